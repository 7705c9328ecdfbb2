#include "engine/codec/json.hpp"

#include <cmath>
#include <set>
#include <vector>

namespace aurora::engine {
namespace {

// One pass over the text, without building anything: the nesting depth, so a hostile document
// of a million brackets is refused before nlohmann's parser (and recursive destructor) sees
// it; and the offsets just past each `-0` number token. nlohmann reads `-0` as the integer 0,
// while SPEC §3 reads every number as a double, and -0.0 hashes as "-0".
bool ScanText(std::string_view text, int max_depth, std::vector<std::size_t>& negative_zeros) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '0') {
      const char next = i + 2 < text.size() ? text[i + 2] : ' ';
      if (!(next >= '0' && next <= '9') && next != '.' && next != 'e' && next != 'E') {
        negative_zeros.push_back(i + 2);
      }
    }
  }
  return true;
}

}  // namespace

Result<nlohmann::json> ParseJson(std::string_view text, int max_depth) {
  std::vector<std::size_t> negative_zeros;
  if (!ScanText(text, max_depth, negative_zeros)) {
    return Error{ErrorCode::kInvalidArgument,
                 "JSON nesting is deeper than " + std::to_string(max_depth) + " levels"};
  }
  // Keys seen in each open object, to refuse duplicates (nlohmann would keep the last one).
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  bool bad_number = false;
  auto callback = [&](int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
        keys.emplace_back();
        break;
      case E::object_end:
        keys.pop_back();
        break;
      case E::key:
        if (!keys.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
          duplicate = parsed.get<std::string>();
        }
        break;
      case E::value:
        if (parsed.is_number_float() && !std::isfinite(parsed.get<double>())) bad_number = true;
        break;
      default:
        break;
    }
    return true;
  };
  std::string rewritten;
  if (!negative_zeros.empty()) {
    std::size_t from = 0;
    for (std::size_t at : negative_zeros) {
      rewritten.append(text.substr(from, at - from));
      rewritten.append(".0");
      from = at;
    }
    rewritten.append(text.substr(from));
    text = rewritten;
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true,
                                /*ignore_comments=*/false);
  } catch (const nlohmann::json::exception& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line 1, column 5: ...".
    std::string what = e.what();
    const auto pos = what.find("] ");
    return Error{ErrorCode::kInvalidArgument,
                 "malformed JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2))};
  }
  if (!duplicate.empty()) {
    return Error{ErrorCode::kInvalidArgument, "duplicate object key \"" + duplicate + "\""};
  }
  if (bad_number) return Error{ErrorCode::kInvalidArgument, "number out of range"};
  return doc;
}

Value ToValue(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      return Value::Bool(json.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return Value::Number(json.get<double>());
    case nlohmann::json::value_t::string:
      return Value::String(json.get<std::string>());
    case nlohmann::json::value_t::array:
      return Value::Composite(Value::Kind::kArray, json.dump());
    case nlohmann::json::value_t::object:
      return Value::Composite(Value::Kind::kObject, json.dump());
    default:
      return Value();
  }
}

std::string JoinPath(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string JoinPath(std::string_view path, std::size_t index) {
  std::string out(path);
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

const char* JsonTypeName(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return "number";
    case nlohmann::json::value_t::string: return "string";
    case nlohmann::json::value_t::array: return "array";
    case nlohmann::json::value_t::object: return "object";
    default: return "unknown";
  }
}

}  // namespace aurora::engine
