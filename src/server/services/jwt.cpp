#include "server/services/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <optional>

#include "engine/codec/json.hpp"

namespace aurora::server {
namespace {

Error Refused(std::string message) { return Error{ErrorCode::kInvalidArgument, "id token: " + std::move(message)}; }

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Deleter>;

BIGNUM* Bn(const std::string& bytes) {
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr);
}

Owned<EVP_PKEY> FromParams(const char* type, OSSL_PARAM_BLD* builder) {
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return Owned<EVP_PKEY>(key);
}

const std::string* Member(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// A public key from a JWK of the algorithm's key type; nullptr when it is not one.
Owned<EVP_PKEY> KeyFromJwk(const nlohmann::json& jwk, const std::string& alg) {
  const std::string* kty = Member(jwk, "kty");
  if (kty == nullptr) return nullptr;
  Owned<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
  if (!builder) return nullptr;
  if (alg == "RS256" && *kty == "RSA") {
    const std::string* n = Member(jwk, "n");
    const std::string* e = Member(jwk, "e");
    if (n == nullptr || e == nullptr) return nullptr;
    const auto n_bytes = Base64UrlDecode(*n);
    const auto e_bytes = Base64UrlDecode(*e);
    if (!n_bytes || !e_bytes || n_bytes->size() < 256) return nullptr;  // at least 2048 bits
    Owned<BIGNUM> bn_n(Bn(*n_bytes)), bn_e(Bn(*e_bytes));
    if (!bn_n || !bn_e || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
      return nullptr;
    }
    return FromParams("RSA", builder.get());
  }
  if (alg == "ES256" && *kty == "EC") {
    const std::string* crv = Member(jwk, "crv");
    const std::string* x = Member(jwk, "x");
    const std::string* y = Member(jwk, "y");
    if (crv == nullptr || *crv != "P-256" || x == nullptr || y == nullptr) return nullptr;
    const auto xb = Base64UrlDecode(*x);
    const auto yb = Base64UrlDecode(*y);
    if (!xb || !yb || xb->size() != 32 || yb->size() != 32) return nullptr;
    const std::string point = std::string(1, '\x04') + *xb + *yb;
    if (OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
      return nullptr;
    }
    return FromParams("EC", builder.get());
  }
  return nullptr;
}

// JOSE's ES256 signature is r || s (32 bytes each); OpenSSL verifies DER.
std::optional<std::string> EcdsaDer(const std::string& raw) {
  if (raw.size() != 64) return std::nullopt;
  Owned<ECDSA_SIG> sig(ECDSA_SIG_new());
  BIGNUM* r = Bn(raw.substr(0, 32));
  BIGNUM* s = Bn(raw.substr(32));
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

bool VerifySignature(EVP_PKEY* key, std::string_view signed_part, const std::string& signature) {
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
}

std::optional<nlohmann::json> JsonPart(std::string_view encoded) {
  const auto bytes = Base64UrlDecode(encoded);
  if (!bytes) return std::nullopt;
  auto doc = engine::ParseJson(*bytes);
  if (!doc || !doc->is_object()) return std::nullopt;
  return std::move(*doc);
}

}  // namespace

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '-') v = 62;
    if (c == '_') v = 63;
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if (bits >= 6) return std::nullopt;  // a dangling single character cannot encode a byte
  return out;
}

std::string Base64UrlEncode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3f]);
  return out;
}

std::string TokenKeyId(std::string_view token) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos) return "";
  const auto header = JsonPart(token.substr(0, dot));
  if (!header) return "";
  const std::string* kid = Member(*header, "kid");
  return kid == nullptr ? "" : *kid;
}

Result<nlohmann::json> VerifyIdToken(std::string_view token, const nlohmann::json& jwks,
                                     const IdTokenExpectations& expect) {
  if (token.size() > 64 * 1024) return Refused("longer than 64 KiB");
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Refused("not a signed JWT (three dot-separated parts)");
  }
  const auto header = JsonPart(token.substr(0, first));
  const auto claims = JsonPart(token.substr(first + 1, second - first - 1));
  const auto signature = Base64UrlDecode(token.substr(second + 1));
  if (!header || !claims || !signature) return Refused("malformed header, claims or signature");
  const std::string* alg = Member(*header, "alg");
  if (alg == nullptr || (*alg != "RS256" && *alg != "ES256")) {
    return Refused("the signature algorithm must be RS256 or ES256");
  }
  if (header->contains("crit")) return Refused("critical header parameters are not supported");

  // The key: the one with the token's kid, else the only one of the right type.
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) return Refused("the issuer's key set is malformed");
  const std::string* kid = Member(*header, "kid");
  Owned<EVP_PKEY> key;
  int candidates = 0;
  for (const auto& jwk : jwks["keys"]) {
    if (!jwk.is_object()) continue;
    const std::string* use = Member(jwk, "use");
    const std::string* key_alg = Member(jwk, "alg");
    const std::string* key_kid = Member(jwk, "kid");
    if ((use != nullptr && *use != "sig") || (key_alg != nullptr && *key_alg != *alg)) continue;
    if (kid != nullptr && (key_kid == nullptr || *key_kid != *kid)) continue;
    if (auto k = KeyFromJwk(jwk, *alg)) {
      ++candidates;
      key = std::move(k);
    }
  }
  if (!key) return Refused("no key of the issuer matches the token's key id and algorithm");
  if (kid == nullptr && candidates > 1) return Refused("the token names no key id and the issuer has several keys");

  std::string sig = *signature;
  if (*alg == "ES256") {
    auto der = EcdsaDer(sig);
    if (!der) return Refused("malformed ES256 signature");
    sig = std::move(*der);
  }
  if (!VerifySignature(key.get(), token.substr(0, second), sig)) return Refused("the signature does not verify");

  // The claims (OpenID Connect Core 1.0 §3.1.3.7).
  const nlohmann::json& c = *claims;
  const std::string* iss = Member(c, "iss");
  if (iss == nullptr || *iss != expect.issuer) return Refused("issued by another issuer");
  bool audience_ok = false;
  std::size_t audiences = 0;
  if (const auto aud = c.find("aud"); aud != c.end()) {
    if (aud->is_string()) {
      audiences = 1;
      audience_ok = aud->get<std::string>() == expect.audience;
    } else if (aud->is_array()) {
      audiences = aud->size();
      for (const auto& a : *aud) audience_ok = audience_ok || (a.is_string() && a.get<std::string>() == expect.audience);
    }
  }
  if (!audience_ok) return Refused("issued for another client");
  if (const std::string* azp = Member(c, "azp"); (audiences > 1 || azp != nullptr) && (azp == nullptr || *azp != expect.audience)) {
    return Refused("authorized party is another client");
  }
  const auto exp = c.find("exp");
  const auto iat = c.find("iat");
  if (exp == c.end() || !exp->is_number() || iat == c.end() || !iat->is_number()) return Refused("exp and iat are required");
  if (exp->get<double>() + static_cast<double>(expect.leeway) <= static_cast<double>(expect.now)) return Refused("expired");
  if (iat->get<double>() - static_cast<double>(expect.leeway) > static_cast<double>(expect.now)) {
    return Refused("issued in the future");
  }
  const std::string* nonce = Member(c, "nonce");
  if (nonce == nullptr || *nonce != expect.nonce) return Refused("the nonce does not match this sign-in");
  const std::string* sub = Member(c, "sub");
  if (sub == nullptr || sub->empty()) return Refused("sub is required");
  return c;
}

}  // namespace aurora::server
