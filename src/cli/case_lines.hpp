#pragma once

// The JSON-lines case files of `aurora eval --cases` and `aurora stats --cases`: one JSON object
// per line in, one result line out, in order.

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace aurora::cli {

/// `{"error": {"code", "message"}}` as one line of compact JSON.
std::string ErrorLine(std::string_view code, const std::string& message);

/// Reads `path` and prints, for every non-blank line, `run(object)`, or an invalid_argument error
/// line when the line is not a JSON object. 0, or 2 (with a message naming `command`) when the
/// file cannot be read.
int RunCaseLines(std::string_view command, const std::string& path,
                 const std::function<std::string(const nlohmann::json&)>& run);

}  // namespace aurora::cli
