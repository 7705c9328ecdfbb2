#include "server/api/error_mapping.hpp"

#include <nlohmann/json.hpp>

namespace aurora::server::api {

int StatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kCorrupt:
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

http::Response ErrorResponse(const Error& error) {
  const int status = StatusFor(error.code);
  nlohmann::ordered_json body;
  body["code"] = status == 503 ? "unavailable" : (status == 500 ? "internal" : ErrorCodeName(error.code));
  // Internal details stay in the logs; clients get a stable message.
  body["message"] = status == 500 ? "internal error" : error.message;
  if (!error.field.empty()) body["field"] = error.field;
  return http::Response::Json(
      status, nlohmann::ordered_json{{"error", body}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace aurora::server::api
