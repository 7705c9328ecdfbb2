// Sign-in, sessions, first-admin setup and user administration (SPEC §11, docs/security.md).
// Who may call each route is decided in front of the router (access_policy.cpp); these handlers
// only do the work.

#include "server/api/auth.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/routes.hpp"
#include "server/services/body.hpp"
#include "server/services/try.hpp"

namespace aurora::server::api {
namespace {

using http::PathParams;
using http::Request;
using http::Response;

Response NoContent() {
  Response r;
  r.status = 204;
  r.SetHeader("Cache-Control", "no-store");
  return r;
}

bool SecureCookies(const ApiContext& ctx) { return ctx.config.server.public_url.starts_with("https://"); }

Response SignedIn(const ApiContext& ctx, const LoginOutcome& outcome) {
  Response r = NoContent();
  r.SetHeader("Set-Cookie", SessionCookieHeader(outcome.token, SecureCookies(ctx), ctx.users.policy().absolute));
  return r;
}

// The session of a cookie request, re-read (routes that need more than the actor).
std::optional<SessionUser> SessionOf(ApiContext& ctx, const Request& req) {
  if (PresentedKey(req)) return std::nullopt;
  const auto token = SessionToken(req);
  return token ? ctx.users.Authenticate(*token) : std::nullopt;
}

// The first-admin page linked from the setup URL printed at first start. The web UI will take
// it over; until then it is one self-contained form posting to /api/v1/auth/setup.
constexpr const char* kSetupPage = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Aurora — create the first admin</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}#msg{margin-top:1rem}</style></head>
<body><h1>Create the first admin</h1>
<form id="f"><label for="email">Email</label><input id="email" type="email" required autocomplete="username">
<label for="name">Name</label><input id="name" autocomplete="name">
<label for="password">Password (at least 10 characters)</label>
<input id="password" type="password" minlength="10" required autocomplete="new-password">
<button type="submit">Create admin and sign in</button></form><p id="msg" role="status"></p>
<script>
document.getElementById('f').addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = new URLSearchParams(location.search).get('token') || '';
  const body = {token, email: document.getElementById('email').value,
                name: document.getElementById('name').value, password: document.getElementById('password').value};
  const r = await fetch('/api/v1/auth/setup', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                              body: JSON.stringify(body)});
  const msg = document.getElementById('msg');
  if (r.status === 204) { msg.textContent = 'Done: you are signed in as an admin.'; return; }
  const j = await r.json().catch(() => ({}));
  msg.textContent = (j.error && j.error.message) || ('failed: HTTP ' + r.status);
});
</script></body></html>
)HTML";

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// The small page a browser lands on at the end of an OpenID Connect sign-in. On success it moves
// on to "/" by itself: a same-site navigation, so the SameSite=Strict cookie goes with it (a 302
// at the end of the provider's cross-site redirect chain would arrive without it).
Response SignInPage(int status, const std::string& message, bool signed_in) {
  Response r;
  r.status = status;
  r.body = std::string("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Aurora sign-in</title>") +
           (signed_in ? "<meta http-equiv=\"refresh\" content=\"0;url=/\">" : "") +
           "</head><body><p>" + HtmlEscape(message) + "</p><p><a href=\"/\">Continue</a></p></body></html>\n";
  r.SetHeader("Content-Type", "text/html; charset=utf-8");
  r.SetHeader("Cache-Control", "no-store");
  r.SetHeader("Referrer-Policy", "no-referrer");  // the code and state stay out of other sites' logs
  r.SetHeader("X-Frame-Options", "DENY");
  r.SetHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  return r;
}

}  // namespace

void RegisterPeopleRoutes(http::Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/v1/auth/providers", [&ctx](const Request&, const PathParams&) {
    nlohmann::ordered_json body;
    body["password"] = true;
    body["oidc"] = ctx.oidc.enabled() ? nlohmann::ordered_json{{"loginUrl", "/api/v1/auth/oidc/login"}}
                                      : nlohmann::ordered_json(nullptr);
    return JsonResponse(200, body);
  });
  router.Add("GET", "/api/v1/auth/oidc/login", [&ctx](const Request&, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(url, ctx.oidc.BeginLogin());
      Response r;
      r.status = 302;
      r.SetHeader("Location", url);
      r.SetHeader("Cache-Control", "no-store");
      return r;
    });
  });
  router.Add("GET", "/api/v1/auth/oidc/callback", [&ctx](const Request& req, const PathParams&) {
    if (!ctx.oidc.enabled()) return SignInPage(404, "OpenID Connect sign-in is not configured.", false);
    if (const auto error = req.Query("error")) {
      // The provider's own code, reduced to the characters such codes use; its description is not echoed.
      std::string code;
      for (const char c : error->substr(0, 64)) {
        if ((c >= 'a' && c <= 'z') || c == '_') code.push_back(c);
      }
      return SignInPage(400, "The identity provider did not sign you in (" + (code.empty() ? "error" : code) + ").",
                        false);
    }
    auto outcome = ctx.oidc.CompleteLogin(req.Query("code").value_or(""), req.Query("state").value_or(""));
    if (!outcome) {
      const Error& e = outcome.error();
      ctx.log.Warn("OpenID Connect sign-in refused", {{"error", e.message}, {"requestId", req.request_id}});
      const int status = e.code == ErrorCode::kConflict ? 403 : StatusFor(e.code);
      return SignInPage(status, status >= 500 ? "The identity provider cannot be reached; try again later."
                                              : "Sign-in refused: " + e.message,
                        false);
    }
    ctx.log.Info("signed in through OpenID Connect", {{"user", outcome->user.email}, {"requestId", req.request_id}});
    Response r = SignInPage(200, "Signed in as " + outcome->user.email + ".", true);
    r.SetHeader("Set-Cookie", SessionCookieHeader(outcome->token, SecureCookies(ctx), ctx.users.policy().absolute));
    return r;
  });

  router.Add("POST", "/api/v1/auth/login", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(body, ParseBody(req, false));
      const BodyReader r(body, "");
      AURORA_CHECK(r.Expect({"email", "password"}));
      AURORA_TRY(email, r.String("email", 1024, true));
      AURORA_TRY(password, r.String("password", 4096, true));
      const LoginOutcome outcome = ctx.users.Login(email, password, ClientAddress(req.remote));
      switch (outcome.status) {
        case LoginOutcome::Status::kSignedIn:
          ctx.log.Info("signed in", {{"user", outcome.user.email}, {"requestId", req.request_id}});
          return SignedIn(ctx, outcome);
        case LoginOutcome::Status::kThrottled: {
          Response t = Response::JsonError(429, "too_many_requests",
                                           "too many failed sign-ins: wait before trying again");
          t.SetHeader("Retry-After", std::to_string(outcome.retry_after.count()));
          return t;
        }
        case LoginOutcome::Status::kRefused:
          break;
      }
      return Response::JsonError(401, "unauthorized", "wrong email or password");
    });
  });
  router.Add("POST", "/api/v1/auth/logout", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      if (auto session = SessionOf(ctx, req)) AURORA_CHECK(ctx.users.Logout(*session));
      Response r = NoContent();
      r.SetHeader("Set-Cookie", ClearedSessionCookieHeader(SecureCookies(ctx)));
      return r;
    });
  });
  router.Add("GET", "/api/v1/auth/me", [&ctx](const Request& req, const PathParams&) {
    nlohmann::ordered_json me;
    if (auto session = SessionOf(ctx, req)) {
      me["kind"] = "user";
      me["id"] = session->user_id;
      me["email"] = session->email;
      me["name"] = session->name;
      me["role"] = RoleName(session->role);
      me["csrfToken"] = session->csrf_token;
    } else {
      me["kind"] = req.actor.starts_with("key:") ? "key" : "anonymous";
      me["actor"] = req.actor;
      me["role"] = req.bound_environment.empty() ? "admin" : "sdk";
    }
    Response r = JsonResponse(200, me);
    r.SetHeader("Cache-Control", "no-store");
    return r;
  });
  router.Add("POST", "/api/v1/auth/password", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(body, ParseBody(req, false));
      const BodyReader r(body, "");
      AURORA_CHECK(r.Expect({"currentPassword", "newPassword"}));
      AURORA_TRY(current, r.String("currentPassword", 4096, true));
      AURORA_TRY(next, r.String("newPassword", 4096, true));
      const auto session = SessionOf(ctx, req);
      if (!session) return Invalid("", "only a signed-in user has a password to change");
      AURORA_CHECK(ctx.users.ChangePassword(*session, current, next));
      return NoContent();
    });
  });
  router.Add("POST", "/api/v1/auth/setup", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(body, ParseBody(req, false));
      AURORA_TRY(outcome, ctx.users.CompleteSetup(body));
      ctx.log.Info("first admin created", {{"user", outcome.user.email}});
      return SignedIn(ctx, outcome);
    });
  });
  router.Add("GET", "/setup", [](const Request&, const PathParams&) {
    Response r;
    r.body = kSetupPage;
    r.SetHeader("Content-Type", "text/html; charset=utf-8");
    r.SetHeader("Cache-Control", "no-store");
    r.SetHeader("Referrer-Policy", "no-referrer");  // the token stays out of other sites' logs
    r.SetHeader("X-Frame-Options", "DENY");
    r.SetHeader("Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                "frame-ancestors 'none'");
    return r;
  });

  // Users (admins only).
  router.Add("GET", "/api/v1/users", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(limit, Limit(req));
      AURORA_TRY(page, ctx.users.List(std::string(req.Query("cursor").value_or("")), limit));
      return JsonResponse(200, page.ToJson());
    });
  });
  router.Add("POST", "/api/v1/users", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(body, ParseBody(req, false));
      AURORA_TRY(created, ctx.users.Create(body, req.actor));
      Response r = WithEtag(JsonResponse(201, created), created);
      r.SetHeader("Location", "/api/v1/users/" + std::to_string(created["id"].get<std::int64_t>()));
      return r;
    });
  });
  router.Add("GET", "/api/v1/users/:id", [&ctx](const Request&, const PathParams& params) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(id, PathId(params));
      AURORA_TRY(user, ctx.users.Get(id));
      return WithEtag(JsonResponse(200, user), user);
    });
  });
  router.Add("PATCH", "/api/v1/users/:id", [&ctx](const Request& req, const PathParams& params) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(id, PathId(params));
      AURORA_TRY(body, ParseBody(req, false));
      AURORA_TRY(if_match, IfMatch(req));
      AURORA_TRY(user, ctx.users.Update(id, body, if_match, req.actor));
      return WithEtag(JsonResponse(200, user), user);
    });
  });
  router.Add("DELETE", "/api/v1/users/:id", [&ctx](const Request& req, const PathParams& params) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(id, PathId(params));
      AURORA_CHECK(ctx.users.Delete(id, req.actor));
      return NoContent();
    });
  });
}

}  // namespace aurora::server::api
