#pragma once

#include "aurora/result.hpp"
#include "server/http/message.hpp"

namespace aurora::server::api {

/// The one place an ErrorCode becomes an HTTP status and the JSON error body of SPEC §5:
/// {"error": {"code", "message", "field"?}}.
http::Response ErrorResponse(const Error& error);
/// The HTTP status for an ErrorCode.
int StatusFor(ErrorCode code);

}  // namespace aurora::server::api
