// People (SPEC §11): the first admin's setup link, password sign-in, session cookies, CSRF,
// throttling, roles with protected environments, user administration, the audit actor, and the
// `aurora-server users` command. Every test runs on SQLite and on PostgreSQL.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <regex>
#include <thread>

#include "server/server_fixture.hpp"

namespace aurora::testing {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kOrigin = "http://127.0.0.1";  // the test client sends Host: 127.0.0.1
constexpr const char* kPassword = "correct horse battery";

/// A signed-in browser: its cookie and CSRF token.
struct Session {
  std::string token;
  std::string csrf;
  Headers Read() const { return {{"Cookie", "aurora_session=" + token}}; }
  Headers Write() const {
    return {{"Cookie", "aurora_session=" + token}, {"Origin", kOrigin}, {"X-Aurora-CSRF", csrf}};
  }
};

std::string CookieToken(const HttpResult& r) {
  std::smatch m;
  const std::string header = r.Header("set-cookie");
  if (!std::regex_search(header, m, std::regex("aurora_session=([0-9a-f]*)"))) return "";
  return m[1];
}

class UsersTest : public KeyedServerTest {
 protected:
  HttpResult Call(const std::string& method, const std::string& target, const std::string& body,
                  const Headers& headers) {
    return Http(server().port(), method, target, body, headers);
  }

  json CreateUser(const std::string& email, const std::string& role, const std::string& password = kPassword) {
    const auto r = server().Post("/api/v1/users",
                                 json{{"email", email}, {"role", role}, {"password", password}, {"name", email}}.dump(),
                                 Bearer(admin_));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json();
  }

  HttpResult LoginRaw(const std::string& email, const std::string& password) {
    return server().Post("/api/v1/auth/login", json{{"email", email}, {"password", password}}.dump());
  }

  Session Login(const std::string& email, const std::string& password = kPassword) {
    const auto r = LoginRaw(email, password);
    EXPECT_EQ(r.status, 204) << r.body;
    Session s;
    s.token = CookieToken(r);
    const auto me = server().Get("/api/v1/auth/me", s.Read());
    EXPECT_EQ(me.status, 200) << me.body;
    s.csrf = me.Json().value("csrfToken", "");
    return s;
  }

  // A protected production and an unprotected staging, and a parameter in both.
  std::int64_t SetUpEnvironments() {
    auto r = server().Post("/api/v1/environments", R"({"name":"staging","copyFrom":"production"})", Bearer(admin_));
    EXPECT_EQ(r.status, 201) << r.body;
    r = server().Patch("/api/v1/environments/production", R"({"protected":true})",
                       {{"Authorization", "Bearer " + admin_}, {"If-Match", "\"1\""}});
    EXPECT_EQ(r.status, 200) << r.body;
    r = server().Post("/api/v1/parameters",
                      R"({"name":"checkout","dataType":"boolean","defaultValue":false,"enabled":false})", Bearer(admin_));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json()["id"].get<std::int64_t>();
  }
};

TEST_P(UsersTest, FirstStartPrintsAOneTimeSetupLinkThatCreatesTheFirstAdmin) {
  std::smatch m;
  const std::string log = server().log();
  ASSERT_TRUE(std::regex_search(log, m, std::regex("/setup\\?token=([0-9a-f]{64})"))) << log;
  const std::string token = m[1];
  const auto page = server().Get("/setup?token=" + token);
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.Header("content-type").find("text/html"), std::string::npos);
  EXPECT_NE(page.body.find("/api/v1/auth/setup"), std::string::npos);

  const json body = {{"token", token}, {"email", "Ada@Example.com"}, {"name", "Ada"}, {"password", kPassword}};
  // A wrong token creates nothing.
  json wrong = body;
  wrong["token"] = std::string(64, '0');
  auto r = server().Post("/api/v1/auth/setup", wrong.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["field"], "token");
  EXPECT_EQ(server().Get("/api/v1/users", Bearer(admin_)).Json()["items"].size(), 0u);
  // A short password is refused before the token is spent.
  json weak = body;
  weak["password"] = "short";
  EXPECT_EQ(server().Post("/api/v1/auth/setup", weak.dump()).Json()["error"]["field"], "password");

  r = server().Post("/api/v1/auth/setup", body.dump());
  ASSERT_EQ(r.status, 204) << r.body;
  Session s;
  s.token = CookieToken(r);
  const json me = server().Get("/api/v1/auth/me", s.Read()).Json();
  EXPECT_EQ(me["email"], "ada@example.com");  // stored lower-cased
  EXPECT_EQ(me["role"], "admin");
  // Used once: a second use, even with another email, is refused.
  json again = body;
  again["email"] = "eve@example.com";
  r = server().Post("/api/v1/auth/setup", again.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(server().Get("/api/v1/users", Bearer(admin_)).Json()["items"].size(), 1u);
  // With a user, a restart prints no setup link.
  ASSERT_EQ(server().Stop(), 0);
  StartServer({{"AUTH_ENABLED", "true"}});
  EXPECT_EQ(server().log().find("/setup?token="), std::string::npos);
  // The admin signs in with the email in any case.
  EXPECT_EQ(LoginRaw("ADA@example.COM", kPassword).status, 204);
}

TEST_P(UsersTest, AnEditorChangesStagingButNotProtectedProductionAndTheAuditNamesBoth) {
  const std::int64_t id = SetUpEnvironments();
  CreateUser("admin@example.com", "admin");
  const Session admin = Login("admin@example.com");
  // The admin creates an editor through a session.
  auto r = Call("POST", "/api/v1/users",
                json{{"email", "ed@example.com"}, {"role", "editor"}, {"password", kPassword}}.dump(), admin.Write());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["role"], "editor");
  EXPECT_FALSE(r.Json().contains("password"));
  const Session editor = Login("ed@example.com");

  const std::string path = "/api/v1/parameters/" + std::to_string(id);
  r = Call("PATCH", path + "?environment=staging", R"({"enabled":true,"version":1})", editor.Write());
  EXPECT_EQ(r.status, 200) << r.body;
  r = Call("PATCH", path + "?environment=production", R"({"enabled":true,"version":2})", editor.Write());
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.Json()["error"]["code"], "forbidden");
  EXPECT_NE(r.Json()["error"]["message"].get<std::string>().find("protected"), std::string::npos);
  // By name instead of id: the same refusal.
  EXPECT_EQ(Call("PATCH", "/api/v1/parameters/checkout?environment=production", R"({"enabled":true,"version":2})",
                 editor.Write()).status, 403);
  // Without ?environment= the default environment (production) is meant: refused as well.
  EXPECT_EQ(Call("PATCH", path, R"({"enabled":true,"version":2})", editor.Write()).status, 403);
  // Nothing changed in production.
  const json production = server().Get(path + "?environment=production", Bearer(admin_)).Json();
  EXPECT_EQ(production["enabled"], false);
  // The admin may.
  r = Call("PATCH", path + "?environment=production", R"({"enabled":true,"version":2})", admin.Write());
  EXPECT_EQ(r.status, 200) << r.body;

  const json by_editor = server().Get("/api/v1/audit?actor=user:ed@example.com", Bearer(admin_)).Json()["items"];
  ASSERT_EQ(by_editor.size(), 1u);
  EXPECT_EQ(by_editor[0]["environment"], "staging");
  EXPECT_EQ(by_editor[0]["resource"], "parameter");
  const json by_admin = server().Get("/api/v1/audit?order=asc&actor=user:admin@example.com", Bearer(admin_)).Json()["items"];
  ASSERT_EQ(by_admin.size(), 2u);  // the editor's account, then production
  EXPECT_EQ(by_admin[0]["resource"], "user");
  EXPECT_EQ(by_admin[1]["environment"], "production");
  EXPECT_EQ(by_admin[0]["after"].dump().find(kPassword), std::string::npos);
}

TEST_P(UsersTest, EditorsMayNotReachProtectedEnvironmentsAnyOtherWay) {
  const std::int64_t id = SetUpEnvironments();
  CreateUser("ed@example.com", "editor");
  const Session editor = Login("ed@example.com");
  // Global content is theirs.
  EXPECT_EQ(Call("POST", "/api/v1/attributes", R"({"name":"country","dataType":"string"})", editor.Write()).status, 201);
  // A new parameter lands in every environment: enabled would go live in production.
  auto r = Call("POST", "/api/v1/parameters?environment=staging",
                R"({"name":"banner","dataType":"boolean","defaultValue":true,"enabled":true})", editor.Write());
  EXPECT_EQ(r.status, 403) << r.body;
  // Without "enabled" it would start enabled (the default): refused as well.
  r = Call("POST", "/api/v1/parameters?environment=staging",
           R"({"name":"banner","dataType":"boolean","defaultValue":true})", editor.Write());
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(server().Get("/api/v1/parameters/banner", Bearer(admin_)).status, 404);
  r = Call("POST", "/api/v1/parameters?environment=staging",
           R"({"name":"banner","dataType":"boolean","defaultValue":true,"enabled":false})", editor.Write());
  EXPECT_EQ(r.status, 201) << r.body;
  // Experiments in production (by query or body), promote into production, environment settings.
  ASSERT_EQ(server().Post("/api/v1/attributes", R"({"name":"user_id","dataType":"string"})", Bearer(admin_)).status, 201);
  const std::string experiment = R"({"name":"exp","hashAttribute":"user_id","variants":[{"name":"A","trafficAllocation":50,"parameters":[{"parameterName":"checkout","rolloutValue":true}]},{"name":"B","trafficAllocation":50,"parameters":[{"parameterName":"checkout","rolloutValue":false}]}]})";
  EXPECT_EQ(Call("POST", "/api/v1/experiments?environment=production", experiment, editor.Write()).status, 403);
  json in_body = json::parse(experiment);
  in_body["environment"] = "production";
  EXPECT_EQ(Call("POST", "/api/v1/experiments", in_body.dump(), editor.Write()).status, 403);
  r = Call("POST", "/api/v1/environments/production/promote", R"({"from":"staging"})", editor.Write());
  EXPECT_EQ(r.status, 403) << r.body;
  r = Call("PATCH", "/api/v1/environments/production", R"({"protected":false})", editor.Write());
  EXPECT_EQ(r.status, 403) << r.body;
  // An experiment admins put in production is out of reach too.
  r = server().Post("/api/v1/experiments?environment=production", experiment, Bearer(admin_));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string exp_path = "/api/v1/experiments/" + std::to_string(r.Json()["id"].get<std::int64_t>());
  EXPECT_EQ(Call("POST", exp_path + "/start", "", editor.Write()).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/experiments/exp/start", "", editor.Write()).status, 403);  // by name
  EXPECT_EQ(Call("DELETE", "/api/v1/experiments/exp", "", editor.Write()).status, 403);
  EXPECT_EQ(Call("DELETE", exp_path, "", editor.Write()).status, 403);
  // Deleting a parameter enabled in production is refused; disabled there, it is allowed.
  const std::string path = "/api/v1/parameters/" + std::to_string(id);
  r = server().Patch(path + "?environment=production", R"({"enabled":true})",
                     {{"Authorization", "Bearer " + admin_}, {"If-Match", "\"1\""}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call("DELETE", path, "", editor.Write()).status, 403);
  EXPECT_EQ(server().Get(path, Bearer(admin_)).status, 200);
  EXPECT_EQ(Call("DELETE", "/api/v1/parameters/checkout", "", editor.Write()).status, 403);  // by name
  r = server().Patch(path + "?environment=production", R"({"enabled":false})",
                     {{"Authorization", "Bearer " + admin_}, {"If-Match", "\"2\""}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(Http(server().port(), "DELETE", exp_path, "", Bearer(admin_)).status, 204);  // it used the parameter
  EXPECT_EQ(Call("DELETE", path, "", editor.Write()).status, 204);
}

TEST_P(UsersTest, RolesCannotBeEscalated) {
  const json editor_user = CreateUser("ed@example.com", "editor");
  CreateUser("vi@example.com", "viewer");
  const Session editor = Login("ed@example.com");
  const Session viewer = Login("vi@example.com");
  const std::string own = "/api/v1/users/" + std::to_string(editor_user["id"].get<std::int64_t>());
  // An editor cannot change their own role, create users or keys, or read them.
  EXPECT_EQ(Call("PATCH", own, R"({"role":"admin"})", editor.Write()).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/users", R"({"email":"x@example.com","role":"admin","password":"0123456789"})",
                 editor.Write()).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/keys", R"({"name":"mine","scope":"admin"})", editor.Write()).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/users", "", editor.Read()).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/environments", R"({"name":"mine"})", editor.Write()).status, 403);
  EXPECT_EQ(server().Get(own, Bearer(admin_)).Json()["role"], "editor");
  // A viewer reads content but not keys or users, and writes nothing.
  EXPECT_EQ(Call("GET", "/api/v1/parameters", "", viewer.Read()).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/audit", "", viewer.Read()).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/keys", "", viewer.Read()).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/users", "", viewer.Read()).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/attributes", R"({"name":"c","dataType":"string"})", viewer.Write()).status, 403);
  // A forged cookie next to a valid one's CSRF token is nobody.
  Session forged = editor;
  forged.token = std::string(64, 'a');
  EXPECT_EQ(Call("GET", "/api/v1/parameters", "", forged.Read()).status, 401);
  // A bad API key is refused even beside a valid cookie.
  Headers both = editor.Read();
  both.emplace_back("Authorization", "Bearer aur_admin_" + std::string(48, '0'));
  EXPECT_EQ(Call("GET", "/api/v1/parameters", "", both).status, 401);
}

TEST_P(UsersTest, SessionCookiesCarryTheirFlagsAndAreNeverReused) {
  CreateUser("ada@example.com", "admin");
  auto r = LoginRaw("ada@example.com", kPassword);
  ASSERT_EQ(r.status, 204);
  const std::string cookie = r.Header("set-cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Path=/"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << cookie;  // no https publicUrl
  const std::string first = CookieToken(r);
  EXPECT_EQ(first.size(), 64u);  // 256 bits
  // Session fixation: a session id the client brings is never adopted; sign-in issues a new one.
  r = server().Post("/api/v1/auth/login", json{{"email", "ada@example.com"}, {"password", kPassword}}.dump(),
                    {{"Cookie", "aurora_session=" + first}});
  ASSERT_EQ(r.status, 204);
  EXPECT_NE(CookieToken(r), first);
  r = server().Post("/api/v1/auth/login", json{{"email", "ada@example.com"}, {"password", kPassword}}.dump(),
                    {{"Cookie", "aurora_session=" + std::string(64, 'b')}});
  EXPECT_NE(CookieToken(r), std::string(64, 'b'));
  // Behind https, cookies are Secure.
  ASSERT_EQ(server().Stop(), 0);
  StartServer({{"AUTH_ENABLED", "true"}, {"SERVER_PUBLICURL", "https://flags.example.com"}});
  r = LoginRaw("ada@example.com", kPassword);
  ASSERT_EQ(r.status, 204);
  EXPECT_NE(r.Header("set-cookie").find("; Secure"), std::string::npos);
  // ...and the only origin writes are taken from is the public one.
  Session s{CookieToken(r), ""};
  s.csrf = server().Get("/api/v1/auth/me", s.Read()).Json()["csrfToken"];
  Headers headers = s.Write();
  EXPECT_EQ(Call("POST", "/api/v1/attributes", R"({"name":"a","dataType":"string"})", headers).status, 403);
  headers[1].second = "https://flags.example.com";
  EXPECT_EQ(Call("POST", "/api/v1/attributes", R"({"name":"a","dataType":"string"})", headers).status, 201);
}

TEST_P(UsersTest, CookieWritesNeedTheSameOriginAndTheCsrfToken) {
  CreateUser("ada@example.com", "admin");
  const Session s = Login("ada@example.com");
  ASSERT_EQ(s.csrf.size(), 64u);
  const std::string body = R"({"name":"country","dataType":"string"})";
  const auto post = [&](const Headers& h) { return Call("POST", "/api/v1/attributes", body, h).status; };
  const Headers cookie = s.Read();
  EXPECT_EQ(post(cookie), 403);  // neither Origin nor token
  Headers no_token = cookie;
  no_token.emplace_back("Origin", kOrigin);
  EXPECT_EQ(post(no_token), 403);
  Headers wrong_token = no_token;
  wrong_token.emplace_back("X-Aurora-CSRF", std::string(64, '0'));
  EXPECT_EQ(post(wrong_token), 403);
  Headers no_origin = cookie;
  no_origin.emplace_back("X-Aurora-CSRF", s.csrf);
  EXPECT_EQ(post(no_origin), 403);
  Headers cross = no_origin;
  cross.emplace_back("Origin", "http://evil.example");
  EXPECT_EQ(post(cross), 403);
  Headers lookalike = no_origin;
  lookalike.emplace_back("Origin", "http://127.0.0.1.evil.example");
  EXPECT_EQ(post(lookalike), 403);
  EXPECT_EQ(server().Get("/api/v1/attributes", Bearer(admin_)).Json()["items"].size(), 0u);
  // A same-origin Referer stands in for Origin.
  Headers referer = no_origin;
  referer.emplace_back("Referer", std::string(kOrigin) + "/parameters");
  EXPECT_EQ(post(referer), 201);
  EXPECT_EQ(Call("DELETE", "/api/v1/attributes/1", "", s.Write()).status, 204);
  // Reads need neither.
  EXPECT_EQ(Call("GET", "/api/v1/attributes", "", cookie).status, 200);
  // A cross-site sign-in form is refused (login CSRF); API clients without Origin are fine.
  auto r = server().Post("/api/v1/auth/login", json{{"email", "ada@example.com"}, {"password", kPassword}}.dump(),
                         {{"Origin", "http://evil.example"}});
  EXPECT_EQ(r.status, 403);
}

TEST_P(UsersTest, LogoutPasswordResetAndDisablingEndSessions) {
  const json user = CreateUser("ada@example.com", "editor");
  const std::string path = "/api/v1/users/" + std::to_string(user["id"].get<std::int64_t>());
  Session a = Login("ada@example.com");
  auto r = Call("POST", "/api/v1/auth/logout", "", a.Write());
  EXPECT_EQ(r.status, 204);
  EXPECT_NE(r.Header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", "", a.Read()).status, 401);  // revoked, also when replayed

  a = Login("ada@example.com");
  Session b = Login("ada@example.com");
  r = server().Patch(path, R"({"password":"another long password"})", Bearer(admin_));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", "", a.Read()).status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", "", b.Read()).status, 401);
  EXPECT_EQ(LoginRaw("ada@example.com", kPassword).status, 401);
  a = Login("ada@example.com", "another long password");

  r = server().Patch(path, R"({"disabled":true})", Bearer(admin_));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", "", a.Read()).status, 401);
  EXPECT_EQ(LoginRaw("ada@example.com", "another long password").status, 401);
  // Demoting signs out as well.
  r = server().Patch(path, R"({"disabled":false})", Bearer(admin_));
  a = Login("ada@example.com", "another long password");
  r = server().Patch(path, R"({"role":"viewer"})", Bearer(admin_));
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", "", a.Read()).status, 401);

  // A user's own password change keeps this session and ends the others.
  a = Login("ada@example.com", "another long password");
  b = Login("ada@example.com", "another long password");
  r = Call("POST", "/api/v1/auth/password",
           R"({"currentPassword":"wrong password!","newPassword":"a third long password"})", a.Write());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["field"], "currentPassword");
  r = Call("POST", "/api/v1/auth/password",
           R"({"currentPassword":"another long password","newPassword":"a third long password"})", a.Write());
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", "", a.Read()).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", "", b.Read()).status, 401);
}

TEST_P(UsersTest, SessionsExpireWhenIdleAndAfterTheirLifetime) {
  ASSERT_EQ(server().Stop(), 0);
  StartServer({{"AUTH_ENABLED", "true"}, {"AUTH_SESSIONIDLE", "2s"}, {"AUTH_SESSIONLIFETIME", "4s"}});
  CreateUser("ada@example.com", "viewer");
  const Session idle = Login("ada@example.com");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", "", idle.Read()).status, 401);
  // Kept busy, a session still ends at its lifetime.
  const Session busy = Login("ada@example.com");
  int last = 0;
  for (int i = 0; i < 9; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    last = Call("GET", "/api/v1/auth/me", "", busy.Read()).status;
    if (i == 3) {
      EXPECT_EQ(last, 200);  // 2 s in: alive although idle limit is 2 s, as it was used
    }
  }
  EXPECT_EQ(last, 401);
}

TEST_P(UsersTest, FailedSignInsAreThrottledPerAccountAndPerAddressWithoutRevealingAccounts) {
  CreateUser("ada@example.com", "admin");
  CreateUser("bob@example.com", "viewer");
  // Each client gets its own loopback address, as clients on a network would.
  const auto login = [&](const std::string& from, const std::string& email, const std::string& password) {
    return HttpFrom(from, server().port(), "POST", "/api/v1/auth/login",
                    json{{"email", email}, {"password", password}}.dump());
  };
  // Unknown and known emails answer alike.
  const auto unknown = login("127.0.0.2", "nobody@example.com", "wrong password");
  const auto known = login("127.0.0.3", "ada@example.com", "wrong password");
  ASSERT_EQ(unknown.status, 401) << "loopback source addresses must be usable";
  EXPECT_EQ(known.status, 401);
  EXPECT_EQ(unknown.body, known.body);
  EXPECT_EQ(unknown.Header("set-cookie"), "");
  // Per account: ten failures, spread over addresses, and even the right password from a
  // fresh address is answered 429 with Retry-After.
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(login("127.0.1." + std::to_string(i + 1), "ada@example.com", "wrong password").status, 401);
  }
  auto r = login("127.0.2.1", "ada@example.com", kPassword);
  EXPECT_EQ(r.status, 429);
  const int retry = r.Header("retry-after").empty() ? 0 : std::stoi(r.Header("retry-after"));
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 15 * 60);
  EXPECT_EQ(r.Header("set-cookie"), "");
  // ...while another account from the same address still signs in.
  EXPECT_EQ(login("127.0.2.1", "bob@example.com", kPassword).status, 204);
  // Per address: failures over many (unknown) accounts block the address, also for a valid
  // sign-in, and only that address.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(login("127.0.3.1", "guess" + std::to_string(i) + "@example.com", "wrong password").status, 401);
  }
  EXPECT_EQ(login("127.0.3.1", "bob@example.com", kPassword).status, 429);
  EXPECT_EQ(login("127.0.3.2", "bob@example.com", kPassword).status, 204);
  // An unknown email is throttled exactly like a known one: 429s reveal nothing either.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(login("127.0.4." + std::to_string(i + 1), "ghost@example.com", "wrong password").status, 401);
  }
  EXPECT_EQ(login("127.0.5.1", "ghost@example.com", "wrong password").status, 429);
}

TEST_P(UsersTest, AnUnknownEmailTakesAsLongAsAKnownOne) {
  // Statistical: the medians of alternating samples, compared with each other only. Without the
  // dummy hash an unknown email would answer in well under a millisecond against tens of them.
  ASSERT_EQ(server().Stop(), 0);
  StartServer({{"AUTH_ENABLED", "true"}, {"AUTH_LOGINFAILURELIMIT", "1000"}});
  CreateUser("ada@example.com", "viewer");
  std::vector<double> known, unknown;
  for (int i = 0; i < 15; ++i) {
    for (int which = 0; which < 2; ++which) {
      const auto start = std::chrono::steady_clock::now();
      const auto r = LoginRaw(which == 0 ? "ada@example.com" : "nobody" + std::to_string(i) + "@example.com",
                              "wrong password");
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      ASSERT_EQ(r.status, 401);
      (which == 0 ? known : unknown).push_back(ms);
    }
  }
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double ratio = median(unknown) / median(known);
  RecordProperty("known_median_ms", std::to_string(median(known)));
  RecordProperty("unknown_median_ms", std::to_string(median(unknown)));
  EXPECT_GT(ratio, 0.5) << "known " << median(known) << " ms, unknown " << median(unknown) << " ms";
  EXPECT_LT(ratio, 2.0) << "known " << median(known) << " ms, unknown " << median(unknown) << " ms";
}

TEST_P(UsersTest, UsersAreAdministeredWithChecks) {
  const json ada = CreateUser("ada@example.com", "admin");
  const std::string path = "/api/v1/users/" + std::to_string(ada["id"].get<std::int64_t>());
  EXPECT_EQ(ada["passwordSet"], true);
  EXPECT_EQ(ada["disabled"], false);
  // Unique without regard to case.
  auto r = server().Post("/api/v1/users", R"({"email":"ADA@example.com","role":"viewer","password":"0123456789"})",
                         Bearer(admin_));
  EXPECT_EQ(r.status, 409);
  // Bad input names its field and writes nothing.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"email":"not-an-email","role":"viewer","password":"0123456789"})", "email"},
      {R"({"email":"a b@example.com","role":"viewer","password":"0123456789"})", "email"},
      {R"({"email":"x@example.com","role":"root","password":"0123456789"})", "role"},
      {R"({"email":"x@example.com","role":"viewer","password":"short"})", "password"},
      {R"({"email":"x@example.com","role":"viewer"})", "password"},
      {R"({"email":"x@example.com","role":"viewer","password":"0123456789","admin":true})", ""},
      {R"({"email":7,"role":"viewer","password":"0123456789"})", "email"},
      {R"({"email":"x@example.com","role":"viewer","password":")" + std::string(5000, 'p') + R"("})", "password"},
  };
  for (const auto& [body, field] : bad) {
    r = server().Post("/api/v1/users", body, Bearer(admin_));
    EXPECT_EQ(r.status, 400) << body.substr(0, 100);
    if (!field.empty()) {
      EXPECT_EQ(r.Json()["error"]["field"], field) << body.substr(0, 100);
    }
  }
  EXPECT_EQ(server().Get("/api/v1/users", Bearer(admin_)).Json()["items"].size(), 1u);
  const std::vector<std::pair<std::string, std::string>> bad_patches = {
      {R"({"role":7})", "role"},          {R"({"role":"owner"})", "role"},
      {R"({"disabled":"yes"})", "disabled"}, {R"({"password":"short"})", "password"},
      {R"({"password":["x"]})", "password"}, {R"({"name":")" + std::string(200, 'n') + R"("})", "name"},
      {R"({"superuser":true})", ""},      {"[]", ""},
      {"{\"name\":", ""},
  };
  for (const auto& [body, field] : bad_patches) {
    r = server().Patch(path, body, Bearer(admin_));
    EXPECT_EQ(r.status, 400) << body.substr(0, 100);
    if (!field.empty()) {
      EXPECT_EQ(r.Json()["error"]["field"], field) << body.substr(0, 100);
    }
  }
  EXPECT_EQ(server().Get(path, Bearer(admin_)).Json()["version"], 1);  // nothing was written
  EXPECT_EQ(server().Patch("/api/v1/users/abc", "{}", Bearer(admin_)).status, 400);
  EXPECT_EQ(server().Patch("/api/v1/users/424242", R"({"name":"x"})", Bearer(admin_)).status, 404);
  // The last active admin can be neither demoted, disabled nor deleted.
  EXPECT_EQ(server().Patch(path, R"({"role":"editor"})", Bearer(admin_)).status, 409);
  EXPECT_EQ(server().Patch(path, R"({"disabled":true})", Bearer(admin_)).status, 409);
  EXPECT_EQ(Http(server().port(), "DELETE", path, "", Bearer(admin_)).status, 409);
  // With a second admin, they can.
  CreateUser("bob@example.com", "admin");
  EXPECT_EQ(server().Patch(path, R"({"role":"editor"})", Bearer(admin_)).status, 200);
  // Stale versions and email changes are refused.
  r = server().Patch(path, R"({"name":"Ada L.","version":1})", Bearer(admin_));
  EXPECT_EQ(r.status, 409);
  r = server().Patch(path, R"({"email":"eve@example.com"})", Bearer(admin_));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["field"], "email");
  EXPECT_EQ(Http(server().port(), "DELETE", path, "", Bearer(admin_)).status, 204);
  EXPECT_EQ(server().Get(path, Bearer(admin_)).status, 404);
  EXPECT_EQ(LoginRaw("ada@example.com", kPassword).status, 401);
  // The audit log has it all, filterable by resource and time.
  const json records = server().Get("/api/v1/audit?order=asc&resource=user", Bearer(admin_)).Json()["items"];
  ASSERT_EQ(records.size(), 4u);  // create ada, create bob, demote ada, delete ada
  EXPECT_EQ(records[0]["actor"], "key:bootstrap admin");
  EXPECT_EQ(records[3]["action"], "delete");
  const std::string since = records[1]["at"];
  const json later = server().Get("/api/v1/audit?resource=user&since=" + since, Bearer(admin_)).Json()["items"];
  EXPECT_EQ(later.size(), 3u);
  const json before = server().Get("/api/v1/audit?resource=user&until=" + since, Bearer(admin_)).Json()["items"];
  EXPECT_EQ(before.size(), 1u);
  EXPECT_EQ(server().Get("/api/v1/audit?since=yesterday", Bearer(admin_)).Json()["error"]["field"], "since");
  EXPECT_EQ(server().Get("/api/v1/audit?actor=nobody", Bearer(admin_)).Json()["items"].size(), 0u);
}

TEST_P(UsersTest, HostileSignInBodiesAreRefusedCleanly) {
  CreateUser("ada@example.com", "viewer");
  std::mt19937 rng(20261202);
  const std::string valid = json{{"email", "ada@example.com"}, {"password", kPassword}}.dump();
  const std::vector<std::string> fixed = {
      "", "null", "[]", "{}", "\"x\"", R"({"email":"ada@example.com"})", R"({"password":"x"})",
      R"({"email":["ada@example.com"],"password":"x"})", R"({"email":"ada@example.com","password":null})",
      R"({"email":"ada@example.com","password":"x","role":"admin"})", std::string(100, '['),
      R"({"email":")" + std::string(2000, 'a') + R"(","password":"x"})",
      R"({"email":"ada@example.com\u0000","password":"x"})", "{\"email\":\"\xff\xfe\",\"password\":\"x\"}"};
  std::vector<std::string> bodies = fixed;
  for (int i = 0; i < 150; ++i) {
    std::string b = valid;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % b.size();
      switch (rng() % 3) {
        case 0: b[at] = static_cast<char>(rng() % 256); break;
        case 1: b.erase(at, 1); break;
        default: b.insert(at, 1, "{}[]\",:\\"[rng() % 8]); break;
      }
    }
    bodies.push_back(b);
  }
  ASSERT_EQ(server().Stop(), 0);
  StartServer({{"AUTH_ENABLED", "true"}, {"AUTH_LOGINFAILURELIMIT", "1000"}});
  for (const std::string& b : bodies) {
    const auto r = server().Post("/api/v1/auth/login", b);
    EXPECT_TRUE(r.status == 400 || r.status == 401 || r.status == 204) << r.status << " for " << b.substr(0, 80);
    if (r.status != 204) {
      EXPECT_EQ(r.Header("set-cookie"), "") << b.substr(0, 80);
    } else {
      EXPECT_EQ(json::parse(b, nullptr, false).value("password", ""), kPassword);
    }
  }
  EXPECT_EQ(server().Get("/healthz").status, 200);
  EXPECT_EQ(LoginRaw("ada@example.com", kPassword).status, 204);
}

TEST_P(UsersTest, TheUsersCommandManagesAccountsOnTheDatabase) {
  ASSERT_EQ(server().Stop(), 0);
  std::string env;
  for (const auto& [k, v] : db_.env) env += k + "='" + v + "' ";
  const auto run = [&](const std::string& args, const std::string& input) {
    const auto r = RunCommand("printf '" + input + "' | env " + env + std::string(AURORA_SERVER_PATH) + " users " +
                              args + " 2>&1");
    return std::make_pair(r.code, r.out);
  };
  auto [code, out] = run("create ada@example.com admin --name Ada", "correct horse battery\\n");
  EXPECT_EQ(code, 0) << out;
  std::tie(code, out) = run("create bob@example.com editor", "short\\n");
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("password"), std::string::npos) << out;
  std::tie(code, out) = run("list", "");
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("ada@example.com"), std::string::npos) << out;
  EXPECT_EQ(out.find("bob@example.com"), std::string::npos) << out;
  std::tie(code, out) = run("reset-password ada@example.com", "a brand new password\\n");
  EXPECT_EQ(code, 0) << out;
  std::tie(code, out) = run("frobnicate", "");
  EXPECT_EQ(code, 64);
  // It names the database it uses; a missing SQLite file is refused, never created.
  if (GetParam() == "sqlite") {
    EXPECT_NE(out.find("using SQLite database"), std::string::npos) << out;
    const std::string missing = db_.dir + "/elsewhere/aurora.db";
    const auto [status, text] = RunCommand("env DATABASE_PATH='" + missing + "' " + std::string(AURORA_SERVER_PATH) +
                                           " keys create rescue admin 2>&1");
    EXPECT_NE(status, 0) << text;
    EXPECT_NE(text.find("no database at " + missing), std::string::npos) << text;
    EXPECT_EQ(text.find("aur_admin_"), std::string::npos) << text;
    EXPECT_FALSE(std::filesystem::exists(missing));
  }
  StartServer({{"AUTH_ENABLED", "true"}});
  EXPECT_EQ(server().log().find("/setup?token="), std::string::npos);  // a user exists
  EXPECT_EQ(LoginRaw("ada@example.com", "correct horse battery").status, 401);
  EXPECT_EQ(LoginRaw("ada@example.com", "a brand new password").status, 204);
  ASSERT_EQ(server().Stop(), 0);
  std::tie(code, out) = run("disable ada@example.com", "");
  EXPECT_NE(code, 0);  // the last active admin
  StartServer({{"AUTH_ENABLED", "true"}});
  const json audit = server().Get("/api/v1/audit?actor=cli", Bearer(admin_)).Json()["items"];
  EXPECT_EQ(audit.size(), 2u);  // create, reset
}

AURORA_SERVER_TEST_SUITE(UsersTest);

}  // namespace
}  // namespace aurora::testing
