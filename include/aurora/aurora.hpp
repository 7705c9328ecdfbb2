#pragma once

// The Aurora SDK in one include: Client, its options, results and the types they use.

#include "aurora/attributes.hpp"
#include "aurora/evaluation.hpp"
#include "aurora/result.hpp"
#include "aurora/sdk/client.hpp"
#include "aurora/sdk/client_error.hpp"
#include "aurora/sdk/kv_store.hpp"
#include "aurora/sdk/options.hpp"
#include "aurora/sdk/transport.hpp"
#include "aurora/value.hpp"
