#pragma once

// Early-return helpers for Result<T> in service code:
//   AURORA_TRY(x, Compute());   // x = the value, or return the Error
//   AURORA_CHECK(Validate());   // return the Error of a failed Result<void> (or any Result)
#define AURORA_TRY(var, expr)                                  \
  auto var##_result = (expr);                                  \
  if (!var##_result) return std::move(var##_result).error();   \
  auto var = std::move(*var##_result)
#define AURORA_CHECK(expr)                                                                    \
  do {                                                                                        \
    if (auto check_result_ = (expr); !check_result_) return std::move(check_result_).error(); \
  } while (false)
