#pragma once

#include <string_view>

#include "aurora/attributes.hpp"
#include "aurora/evaluation.hpp"
#include "engine/compiled_snapshot.hpp"

namespace aurora::engine {

/// Evaluates one parameter for one set of attributes at `now` (SPEC §3): kill switch, then
/// eligible experiments in ascending id, then rules in order, then the default. Never fails
/// outward except for an unknown parameter; performs no heap allocation, takes no lock and
/// does no I/O. The result borrows from `snapshot`.
Evaluation Evaluate(const CompiledSnapshot& snapshot, std::string_view parameter,
                    const Attributes& attributes, Timestamp now);

/// Whether all conditions hold (SPEC §3 "Conditions"). Exposed for segment previews and tests.
bool ConditionHolds(const CompiledCondition& condition, const Attributes& attributes);

}  // namespace aurora::engine
