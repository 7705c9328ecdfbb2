#pragma once

// Verifying OpenID Connect ID tokens (JWS compact serialization) against the issuer's JSON Web
// Key Set, with OpenSSL: RS256 and ES256 signatures, then the claims OpenID Connect Core §3.1.3.7
// requires (iss, aud, azp, exp, iat, nonce). Nothing else is accepted: no "none", no HMAC (whose
// key would be the client secret), no key embedded in the token.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"

namespace aurora::server {

/// What a token must say to be accepted.
struct IdTokenExpectations {
  std::string issuer;
  std::string audience;  // the client id
  std::string nonce;
  std::int64_t now = 0;  // seconds since the epoch
  std::int64_t leeway = 60;  // seconds of clock skew allowed on exp and iat
};

/// Base64url without padding (RFC 7515 §2); nullopt on any other character.
std::optional<std::string> Base64UrlDecode(std::string_view text);
std::string Base64UrlEncode(std::string_view bytes);

/// The verified claims of `token`. kInvalidArgument naming what failed: the format, an unknown
/// key id or algorithm, the signature, or a claim. `jwks` is the issuer's key set ({"keys": [...]}).
Result<nlohmann::json> VerifyIdToken(std::string_view token, const nlohmann::json& jwks,
                                     const IdTokenExpectations& expect);

/// The key id (`kid`) in a token's header, "" when it has none or the header is unreadable: to
/// decide whether the key set must be fetched again.
std::string TokenKeyId(std::string_view token);

}  // namespace aurora::server
