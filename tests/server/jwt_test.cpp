// ID token verification (server/services/jwt.cpp): tokens signed here with fresh RSA and P-256
// keys, then every way a token can be wrong — signature, algorithm, key, issuer, audience,
// authorized party, time, nonce, format.

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>
#include <vector>

#include "server/services/jwt.hpp"

namespace aurora::server {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1'800'000'000;

struct Key {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey{nullptr, EVP_PKEY_free};
  json jwk;
};

std::string BigNumParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

Key RsaKey(const std::string& kid, int bits = 2048) {
  Key k;
  k.pkey.reset(EVP_RSA_gen(static_cast<unsigned int>(bits)));
  k.jwk = {{"kty", "RSA"}, {"kid", kid}, {"use", "sig"}, {"alg", "RS256"},
           {"n", Base64UrlEncode(BigNumParam(k.pkey.get(), OSSL_PKEY_PARAM_RSA_N))},
           {"e", Base64UrlEncode(BigNumParam(k.pkey.get(), OSSL_PKEY_PARAM_RSA_E))}};
  return k;
}

Key EcKey(const std::string& kid) {
  Key k;
  k.pkey.reset(EVP_EC_gen("P-256"));
  unsigned char point[65];
  std::size_t length = 0;
  EVP_PKEY_get_octet_string_param(k.pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &length);
  const std::string p(reinterpret_cast<const char*>(point), length);
  k.jwk = {{"kty", "EC"}, {"kid", kid}, {"crv", "P-256"}, {"x", Base64UrlEncode(p.substr(1, 32))},
           {"y", Base64UrlEncode(p.substr(33, 32))}};
  return k;
}

std::string Sign(EVP_PKEY* key, const std::string& data, bool ecdsa) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key);
  std::size_t length = 0;
  EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::string sig(length, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &length,
                 reinterpret_cast<const unsigned char*>(data.data()), data.size());
  sig.resize(length);
  if (!ecdsa) return sig;
  // DER -> JOSE r || s.
  const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(parsed), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(parsed), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(parsed);
  return raw;
}

json Claims() {
  return {{"iss", "https://id.example"}, {"aud", "aurora"}, {"sub", "u1"}, {"nonce", "n0nce"},
          {"iat", kNow - 10}, {"exp", kNow + 300}, {"email", "ada@example.com"}};
}

std::string Token(const Key& key, const json& claims, const json& header_extra = json::object(), bool ecdsa = false) {
  json header = {{"alg", ecdsa ? "ES256" : "RS256"}, {"kid", key.jwk["kid"]}};
  header.update(header_extra);
  const std::string signed_part = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  return signed_part + "." + Base64UrlEncode(Sign(key.pkey.get(), signed_part, ecdsa));
}

const IdTokenExpectations kExpect{"https://id.example", "aurora", "n0nce", kNow, 60};

class JwtTest : public ::testing::Test {
 protected:
  Key rsa = RsaKey("r1");
  Key other = RsaKey("r2");
  Key ec = EcKey("e1");
  json jwks = {{"keys", json::array({rsa.jwk, other.jwk, ec.jwk})}};

  std::string Refusal(const std::string& token, const IdTokenExpectations& expect = kExpect) {
    auto r = VerifyIdToken(token, jwks, expect);
    return r ? std::string("accepted") : r.error().message;
  }
};

TEST_F(JwtTest, AcceptsRs256AndEs256TokensOfTheIssuer) {
  auto r = VerifyIdToken(Token(rsa, Claims()), jwks, kExpect);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["email"], "ada@example.com");
  r = VerifyIdToken(Token(ec, Claims(), json::object(), true), jwks, kExpect);
  ASSERT_TRUE(r) << r.error().message;
  // An audience list holding the client, with azp naming it.
  json c = Claims();
  c["aud"] = {"aurora", "other"};
  c["azp"] = "aurora";
  EXPECT_EQ(Refusal(Token(rsa, c)), "accepted");
}

TEST_F(JwtTest, RefusesAForgedOrAlteredSignature) {
  const std::string token = Token(rsa, Claims());
  // Signed by another key under this key's id.
  Key impostor = RsaKey("r1");
  EXPECT_NE(Refusal(Token(impostor, Claims())).find("signature"), std::string::npos);
  // Claims changed after signing.
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  json c = Claims();
  c["email"] = "mallory@example.com";
  const std::string altered = token.substr(0, dot1 + 1) + Base64UrlEncode(c.dump()) + token.substr(dot2);
  EXPECT_NE(Refusal(altered).find("signature"), std::string::npos);
  // A truncated signature.
  EXPECT_NE(Refusal(token.substr(0, token.size() - 4)), "accepted");
}

TEST_F(JwtTest, RefusesOtherAlgorithmsAndUnknownKeys) {
  const json claims = Claims();
  const std::string body = Base64UrlEncode(claims.dump());
  EXPECT_NE(Refusal(Base64UrlEncode(R"({"alg":"none"})") + "." + body + ".").find("RS256 or ES256"), std::string::npos);
  EXPECT_NE(Refusal(Base64UrlEncode(R"({"alg":"HS256","kid":"r1"})") + "." + body + ".c2ln").find("RS256 or ES256"),
            std::string::npos);
  EXPECT_NE(Refusal(Token(rsa, claims, {{"kid", "nope"}})).find("no key"), std::string::npos);
  // An RS256 header over an EC key id, and a key embedded in the header, get nowhere.
  EXPECT_NE(Refusal(Token(rsa, claims, {{"kid", "e1"}})), "accepted");
  EXPECT_NE(Refusal(Token(rsa, claims, {{"jwk", rsa.jwk}, {"kid", "nope"}})), "accepted");
  EXPECT_NE(Refusal(Token(rsa, claims, {{"crit", {"exp"}}})).find("critical"), std::string::npos);
  // Without a kid, a set with several RSA keys is ambiguous.
  json no_kid = {{"alg", "RS256"}};
  const std::string signed_part = Base64UrlEncode(no_kid.dump()) + "." + body;
  const std::string token = signed_part + "." + Base64UrlEncode(Sign(rsa.pkey.get(), signed_part, false));
  EXPECT_NE(Refusal(token), "accepted");
  jwks = {{"keys", json::array({rsa.jwk})}};
  EXPECT_EQ(Refusal(token), "accepted");
  // Keys shorter than 2048 bits are not trusted.
  Key weak = RsaKey("w1", 1024);
  jwks = {{"keys", json::array({weak.jwk})}};
  EXPECT_NE(Refusal(Token(weak, claims)), "accepted");
}

TEST_F(JwtTest, RefusesWrongClaims) {
  const auto with = [&](const char* key, const json& value) {
    json c = Claims();
    if (value.is_null()) {
      c.erase(key);
    } else {
      c[key] = value;
    }
    return Refusal(Token(rsa, c));
  };
  EXPECT_NE(with("iss", "https://evil.example").find("issuer"), std::string::npos);
  EXPECT_NE(with("iss", nullptr).find("issuer"), std::string::npos);
  EXPECT_NE(with("aud", "someone-else").find("client"), std::string::npos);
  EXPECT_NE(with("aud", json::array({"x", "y"})).find("client"), std::string::npos);
  EXPECT_NE(with("azp", "someone-else").find("authorized party"), std::string::npos);
  EXPECT_NE(with("exp", kNow - 61).find("expired"), std::string::npos);
  EXPECT_EQ(with("exp", kNow - 30), "accepted");  // within the leeway
  EXPECT_NE(with("exp", nullptr).find("exp"), std::string::npos);
  EXPECT_NE(with("iat", kNow + 3600).find("future"), std::string::npos);
  EXPECT_NE(with("nonce", "replayed").find("nonce"), std::string::npos);
  EXPECT_NE(with("nonce", nullptr).find("nonce"), std::string::npos);
  EXPECT_NE(with("sub", "").find("sub"), std::string::npos);
  json c = Claims();
  c["aud"] = {"aurora", "other"};  // several audiences need azp
  EXPECT_NE(Refusal(Token(rsa, c)).find("authorized party"), std::string::npos);
}

TEST_F(JwtTest, RefusesMalformedTokensWithoutCrashing) {
  for (const std::string& token : std::vector<std::string>{"", ".", "..", "a.b.c", "a.b", "a.b.c.d", "!!!.@@@.###", "e30.e30.",
                                  std::string(70 * 1024, 'a')}) {
    EXPECT_NE(Refusal(token), "accepted") << token.substr(0, 20);
  }
  // A header or claims that are not objects.
  EXPECT_NE(Refusal(Base64UrlEncode("[]") + "." + Base64UrlEncode("{}") + ".AA"), "accepted");
  EXPECT_NE(Refusal(Base64UrlEncode(R"({"alg":"RS256"})") + "." + Base64UrlEncode("\"x\"") + ".AA"), "accepted");
  // A malformed key set.
  EXPECT_FALSE(VerifyIdToken(Token(rsa, Claims()), json::object(), kExpect));
  EXPECT_FALSE(VerifyIdToken(Token(rsa, Claims()), json{{"keys", {1, "x", json::object()}}}, kExpect));
}

TEST(Base64UrlTest, RoundTripsAndRefusesForeignCharacters) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
    const auto decoded = Base64UrlDecode(Base64UrlEncode(s));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, s);
  }
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64UrlDecode("Zm9v+"));
  EXPECT_FALSE(Base64UrlDecode("Zm9v="));
  EXPECT_FALSE(Base64UrlDecode("A"));
}

}  // namespace
}  // namespace aurora::server
