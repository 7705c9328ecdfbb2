#include "server/services/oidc_service.hpp"

#include <curl/curl.h>

#include <memory>

#include "engine/codec/json.hpp"
#include "server/services/crypto.hpp"
#include "server/services/jwt.hpp"
#include "server/services/try.hpp"
#include "store/users.hpp"

namespace aurora::server {
namespace {

constexpr std::size_t kMaxResponseBytes = 1 << 20;
constexpr auto kKeysRefetchAfter = std::chrono::minutes(1);  // an unknown kid refetches at most this often

struct HttpAnswer {
  long status = 0;
  std::string body;
};

std::size_t Collect(char* data, std::size_t size, std::size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() + size * count > kMaxResponseBytes) return 0;  // aborts the transfer
  body->append(data, size * count);
  return size * count;
}

// One HTTP exchange with the issuer. Redirects are not followed: endpoints are absolute.
Result<HttpAnswer> Fetch(const std::string& url, const std::string* form_body, const std::string& basic_user,
                         const std::string& basic_password, std::chrono::milliseconds timeout) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Error{ErrorCode::kInternal, "curl_easy_init failed"};
  HttpAnswer answer;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer.body);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      curl_slist_append(nullptr, "Accept: application/json"), curl_slist_free_all);
  if (form_body != nullptr) {
    curl_easy_setopt(curl.get(), CURLOPT_POST, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, form_body->c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(form_body->size()));
    headers.reset(curl_slist_append(headers.release(), "Content-Type: application/x-www-form-urlencoded"));
    curl_easy_setopt(curl.get(), CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl.get(), CURLOPT_USERNAME, basic_user.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_PASSWORD, basic_password.c_str());
  }
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    return Error{ErrorCode::kUnavailable, std::string("the identity provider cannot be reached: ") + curl_easy_strerror(rc)};
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

Result<nlohmann::json> FetchJson(const std::string& url, std::chrono::milliseconds timeout) {
  AURORA_TRY(answer, Fetch(url, nullptr, "", "", timeout));
  if (answer.status != 200) {
    return Error{ErrorCode::kUnavailable, "the identity provider answered " + std::to_string(answer.status) + " for " + url};
  }
  auto doc = engine::ParseJson(answer.body);
  if (!doc || !doc->is_object()) return Error{ErrorCode::kUnavailable, "the identity provider sent no JSON object for " + url};
  return std::move(*doc);
}

// application/x-www-form-urlencoded and query component encoding (RFC 3986 unreserved kept).
std::string Encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

Error Refused(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

const std::string* StringClaim(const nlohmann::json& claims, const char* name) {
  const auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

}  // namespace

std::optional<Role> RoleFromClaim(const nlohmann::json& value) {
  std::optional<Role> best;
  const auto consider = [&](const nlohmann::json& v) {
    if (!v.is_string()) return;
    if (const auto role = ParseRole(v.get<std::string>()); role && (!best || *role > *best)) best = role;
  };
  if (value.is_array()) {
    for (const auto& v : value) consider(v);
  } else {
    consider(value);
  }
  return best;
}

OidcService::OidcService(store::Database& db, const Clock& clock, UserService& users, OidcSettings settings)
    : db_(db), clock_(clock), users_(users), settings_(std::move(settings)) {}

Result<nlohmann::json> OidcService::Discovery() {
  {
    std::lock_guard lock(mutex_);
    if (discovery_) return *discovery_;
  }
  std::string issuer = settings_.issuer;
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  AURORA_TRY(doc, FetchJson(issuer + "/.well-known/openid-configuration", settings_.http_timeout));
  // OpenID Connect Discovery §4.3: the document must name exactly the issuer asked for.
  const std::string* named = StringClaim(doc, "issuer");
  if (named == nullptr || *named != settings_.issuer) {
    return Error{ErrorCode::kUnavailable, "the discovery document names another issuer than auth.oidc.issuer"};
  }
  for (const char* endpoint : {"authorization_endpoint", "token_endpoint", "jwks_uri"}) {
    if (StringClaim(doc, endpoint) == nullptr) {
      return Error{ErrorCode::kUnavailable, std::string("the discovery document has no ") + endpoint};
    }
  }
  std::lock_guard lock(mutex_);
  discovery_ = doc;
  return doc;
}

Result<nlohmann::json> OidcService::Keys(bool refresh) {
  {
    std::lock_guard lock(mutex_);
    const bool recent = std::chrono::steady_clock::now() - keys_fetched_ < kKeysRefetchAfter;
    if (keys_ && (!refresh || recent)) return *keys_;
  }
  AURORA_TRY(discovery, Discovery());
  AURORA_TRY(keys, FetchJson(discovery["jwks_uri"].get<std::string>(), settings_.http_timeout));
  std::lock_guard lock(mutex_);
  keys_ = keys;
  keys_fetched_ = std::chrono::steady_clock::now();
  return keys;
}

Result<std::string> OidcService::BeginLogin() {
  if (!enabled()) return Error{ErrorCode::kNotFound, "OpenID Connect sign-in is not configured"};
  AURORA_TRY(discovery, Discovery());
  const std::string state = RandomHex(32);
  const std::string nonce = RandomHex(32);
  const std::string verifier = RandomHex(32);  // 64 characters of [0-9a-f]: a valid PKCE verifier
  const std::int64_t now = ToMicros(clock_.Now());
  {
    AURORA_TRY(tx, db_.Begin(true));
    AURORA_CHECK(store::PruneOidcLogins(
        *tx, now - std::chrono::duration_cast<std::chrono::microseconds>(settings_.login_lifetime).count()));
    AURORA_CHECK(store::InsertOidcLogin(*tx, store::OidcLoginRecord{Sha256Hex(state), nonce, verifier, now}));
    AURORA_CHECK((*tx).Commit());
  }
  std::string url = discovery["authorization_endpoint"].get<std::string>();
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += "response_type=code&client_id=" + Encode(settings_.client_id) + "&redirect_uri=" +
         Encode(settings_.redirect_uri) + "&scope=" + Encode(settings_.scopes) + "&state=" + state +
         "&nonce=" + nonce + "&code_challenge=" + Base64UrlEncode(Sha256(verifier)) +
         "&code_challenge_method=S256";
  return url;
}

Result<LoginOutcome> OidcService::CompleteLogin(std::string_view code, std::string_view state) {
  if (!enabled()) return Error{ErrorCode::kNotFound, "OpenID Connect sign-in is not configured"};
  if (code.empty() || code.size() > 4096 || state.size() != 64) return Refused("the callback lacks a valid code and state");
  const std::int64_t now = ToMicros(clock_.Now());
  std::optional<store::OidcLoginRecord> login;
  {
    AURORA_TRY(tx, db_.Begin(true));
    AURORA_TRY(found, store::ConsumeOidcLogin(*tx, Sha256Hex(state)));
    AURORA_CHECK((*tx).Commit());
    login = std::move(found);
  }
  const std::int64_t lifetime = std::chrono::duration_cast<std::chrono::microseconds>(settings_.login_lifetime).count();
  if (!login || now - login->created_at > lifetime) {
    return Refused("this sign-in is unknown, was already used, or took longer than 10 minutes: start again");
  }

  AURORA_TRY(discovery, Discovery());
  const std::string form = "grant_type=authorization_code&code=" + Encode(code) +
                           "&redirect_uri=" + Encode(settings_.redirect_uri) + "&code_verifier=" + login->code_verifier;
  // client_secret_basic: the id and secret are form-encoded inside the Basic credentials (RFC 6749 §2.3.1).
  AURORA_TRY(answer, Fetch(discovery["token_endpoint"].get<std::string>(), &form, Encode(settings_.client_id),
                           Encode(settings_.client_secret), settings_.http_timeout));
  auto token_doc = engine::ParseJson(answer.body);
  if (answer.status != 200 || !token_doc || !token_doc->is_object()) {
    return Refused("the identity provider refused the code (HTTP " + std::to_string(answer.status) + ")");
  }
  const std::string* id_token = StringClaim(*token_doc, "id_token");
  if (id_token == nullptr) return Refused("the identity provider sent no id_token");

  IdTokenExpectations expect{settings_.issuer, settings_.client_id, login->nonce, now / 1'000'000, 60};
  AURORA_TRY(keys, Keys(false));
  auto claims = VerifyIdToken(*id_token, keys, expect);
  if (!claims && !TokenKeyId(*id_token).empty()) {
    // The issuer may have rotated its keys since they were fetched.
    AURORA_TRY(fresh, Keys(true));
    claims = VerifyIdToken(*id_token, fresh, expect);
  }
  if (!claims) return std::move(claims).error();

  const std::string* email = StringClaim(*claims, "email");
  if (email == nullptr) return Refused("the identity provider sent no email (ask for the \"email\" scope)");
  if (const auto verified = claims->find("email_verified");
      verified != claims->end() && verified->is_boolean() && !verified->get<bool>()) {
    return Refused("the identity provider has not verified this email");
  }
  std::string name;
  for (const char* key : {"name", "preferred_username"}) {
    if (const std::string* v = StringClaim(*claims, key); v != nullptr && name.empty()) name = *v;
  }
  std::optional<Role> role;
  if (!settings_.role_claim.empty()) {
    if (const auto it = claims->find(settings_.role_claim); it != claims->end()) role = RoleFromClaim(*it);
  }
  return users_.SignInExternal(*email, name, role, "oidc");
}

}  // namespace aurora::server
