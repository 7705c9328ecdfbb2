#include "server/api/routes.hpp"

#include <charconv>
#include <cstdlib>
#include <set>

#include "engine/codec/evaluation_codec.hpp"
#include "engine/codec/json.hpp"
#include "engine/evaluator.hpp"
#include "jobs/job_queue.hpp"
#include "server/api/auth.hpp"
#include "server/api/error_mapping.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/ofrep.hpp"
#include "server/services/body.hpp"
#include "server/services/try.hpp"
#include "store/migrations.hpp"

namespace aurora::server::api {
namespace {

using http::PathParams;
using http::Request;
using http::Response;
using nlohmann::json;
using store::Kind;


// Weak comparison of an If-None-Match list against a strong ETag.
bool NoneMatch(const Request& req, const std::string& etag) {
  const auto header = req.Header("If-None-Match");
  if (!header) return false;
  std::string_view list = *header;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view tag = list.substr(0, comma);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// Whether Accept-Encoding lists gzip (or *) with a non-zero q-value.
bool AcceptsGzip(const Request& req) {
  const auto header = req.Header("Accept-Encoding");
  if (!header) return false;
  std::string_view list = *header;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    const auto semicolon = item.find(';');
    std::string_view coding = item.substr(0, semicolon);
    while (!coding.empty() && coding.front() == ' ') coding.remove_prefix(1);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (!http::EqualsIgnoreCase(coding, "gzip") && coding != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    std::string_view params = item.substr(semicolon + 1);
    const auto q = params.find("q=");
    if (q == std::string_view::npos) return true;
    return std::strtod(std::string(params.substr(q + 2)).c_str(), nullptr) > 0;
  }
  return false;
}

// ?environment= of a management request ("" = the default environment).
std::string EnvironmentParam(const Request& req) { return std::string(req.Query("environment").value_or("")); }

void RegisterResource(http::Router& router, ApiContext& ctx, Kind kind) {
  const std::string base = std::string("/api/v1/") + store::KindPlural(kind);
  router.Add("GET", base, [&ctx, kind](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(limit, Limit(req));
      AURORA_TRY(page, ctx.resources.List(kind, std::string(req.Query("cursor").value_or("")), limit,
                                          EnvironmentParam(req)));
      return JsonResponse(200, page.ToJson());
    });
  });
  router.Add("POST", base, [&ctx, kind, base](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(body, ParseBody(req, false));
      AURORA_TRY(created, ctx.resources.Create(kind, body, req.actor,
                                               EnvironmentParam(req)));
      Response r = WithEtag(JsonResponse(201, created), created);
      r.SetHeader("Location", base + "/" + std::to_string(created["id"].get<std::int64_t>()));
      return r;
    });
  });
  router.Add("GET", base + "/:id", [&ctx, kind](const Request& req, const PathParams& params) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(id, ctx.resources.ResolveId(kind, params.Get("id")));
      AURORA_TRY(resource, ctx.resources.Get(kind, id, EnvironmentParam(req)));
      return WithEtag(JsonResponse(200, resource), resource);
    });
  });
  for (const char* method : {"PUT", "PATCH"}) {
    const bool patch = std::string_view(method) == "PATCH";
    router.Add(method, base + "/:id", [&ctx, kind, patch](const Request& req, const PathParams& params) {
      return Handle([&]() -> Result<Response> {
        AURORA_TRY(id, ctx.resources.ResolveId(kind, params.Get("id")));
        AURORA_TRY(body, ParseBody(req, false));
        AURORA_TRY(if_match, IfMatch(req));
        AURORA_TRY(updated, ctx.resources.Update(kind, id, body, if_match, patch,
                                                 req.actor, EnvironmentParam(req)));
        return WithEtag(JsonResponse(200, updated), updated);
      });
    });
  }
  router.Add("DELETE", base + "/:id", [&ctx, kind](const Request& req, const PathParams& params) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(id, ctx.resources.ResolveId(kind, params.Get("id")));
      if (const std::string env = EnvironmentParam(req); !env.empty()) AURORA_CHECK(ctx.resources.FindEnvironment(env));
      AURORA_CHECK(ctx.resources.Delete(kind, id, req.actor));
      Response r;
      r.status = 204;
      return r;
    });
  });
}

// POST /api/v1/evaluate: one parameter or a batch, against the current snapshot.
Result<Response> Evaluate(ApiContext& ctx, const Request& req) {
  AURORA_TRY(body, ParseBody(req, false));
  const BodyReader r(body, "");
  AURORA_CHECK(r.Expect({"parameter", "parameters", "attributes", "now"}));
  const bool single = r.Has("parameter");
  if (single == r.Has("parameters")) {
    return Invalid("parameter", "give either \"parameter\" (a name) or \"parameters\" (a list of names)");
  }
  json attributes_json = json::object();
  if (r.HasValue("attributes")) attributes_json = *r.Find("attributes");
  AURORA_TRY(attributes, engine::AttributesFromJson(attributes_json));
  AURORA_TRY(now_opt, r.Date("now"));
  const engine::Timestamp now = now_opt ? *now_opt : ctx.clock.Now();
  AURORA_TRY(bundle, BundleOf(ctx, req));
  if (single) {
    AURORA_TRY(name, r.String("parameter", 1024, true));
    const Evaluation e = engine::Evaluate(*bundle->compiled, name, attributes, now);
    if (e.HasError()) return Error{ErrorCode::kNotFound, "parameter \"" + name + "\" not found", "parameter"};
    return Response::Json(200, engine::EvaluationToJsonText(name, e));
  }
  const json& names = *r.Find("parameters");
  if (!names.is_array()) return Invalid("parameters", "must be an array of parameter names");
  if (names.size() > 1000) return Invalid("parameters", "at most 1000 parameters per request");
  std::string out = R"({"results":{)";
  bool first = true;
  std::set<std::string_view> seen;  // a name asked twice is answered once: JSON keys are unique
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!names[i].is_string()) return Invalid("parameters[" + std::to_string(i) + "]", "must be a string");
    const std::string& name = names[i].get_ref<const std::string&>();
    if (!seen.insert(name).second) continue;
    if (!first) out += ',';
    first = false;
    out += http::JsonQuote(name);
    out += ':';
    out += engine::EvaluationToJsonText(name, engine::Evaluate(*bundle->compiled, name, attributes, now));
  }
  out += "}}";
  return Response::Json(200, std::move(out));
}

}  // namespace

Response JsonResponse(int status, const nlohmann::ordered_json& body) {
  return Response::Json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}


Result<json> ParseBody(const Request& req, bool allow_empty) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    if (allow_empty) return json::object();
    return Error{ErrorCode::kInvalidArgument, "a JSON body is required"};
  }
  auto doc = engine::ParseJson(req.body);
  if (!doc) return Error{ErrorCode::kInvalidArgument, doc.error().message};
  return std::move(*doc);
}

Result<std::int64_t> PathId(const PathParams& params) {
  const std::string_view text = params.Get("id");
  std::int64_t id = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || p != text.data() + text.size() || id <= 0) {
    return Error{ErrorCode::kInvalidArgument, "the id in the path must be a positive integer", "id"};
  }
  return id;
}

Result<int> Limit(const Request& req) {
  const auto text = req.Query("limit");
  if (!text) return 100;
  int limit = 0;
  const auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || p != text->data() + text->size() || limit < 1 || limit > 1000) {
    return Error{ErrorCode::kInvalidArgument, "must be an integer between 1 and 1000", "limit"};
  }
  return limit;
}

// If-Match: "3", W/"3" or 3.
Result<std::optional<std::int64_t>> IfMatch(const Request& req) {
  auto header = req.Header("If-Match");
  if (!header) return std::optional<std::int64_t>();
  std::string_view v = *header;
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::int64_t version = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (ec != std::errc() || p != v.data() + v.size() || version < 1) {
    return Error{ErrorCode::kInvalidArgument, "If-Match must hold a resource version such as \"3\"", "version"};
  }
  return std::optional<std::int64_t>(version);
}

Response WithEtag(Response r, const nlohmann::ordered_json& resource) {
  r.SetHeader("ETag", "\"" + std::to_string(resource["version"].get<std::int64_t>()) + "\"");
  return r;
}

Result<std::shared_ptr<const SnapshotBundle>> BundleOf(ApiContext& ctx, const http::Request& req) {
  const std::string env = RequestEnvironment(req);
  auto bundle = env.empty() ? ctx.snapshots.Current() : ctx.snapshots.Current(env);
  if (bundle) return bundle;
  if (!env.empty() && env != ctx.snapshots.default_environment()) {
    return UnknownEnvironment(env);
  }
  return Error{ErrorCode::kUnavailable, "no snapshot yet"};
}

void RegisterRoutes(http::Router& router, ApiContext& ctx) {
  for (Kind kind : {Kind::kAttribute, Kind::kSegment, Kind::kParameter, Kind::kExperiment}) {
    RegisterResource(router, ctx, kind);
  }
  for (const char* action : {"start", "pause", "complete", "abort"}) {
    router.Add("POST", std::string("/api/v1/experiments/:id/") + action,
               [&ctx, action](const Request& req, const PathParams& params) {
                 return Handle([&]() -> Result<Response> {
                   AURORA_TRY(id, ctx.resources.ResolveId(Kind::kExperiment, params.Get("id")));
                   AURORA_TRY(body, ParseBody(req, true));
                   if (!body.is_object() || !body.empty()) return Invalid("", "this action takes no body");
                   AURORA_TRY(e, ctx.resources.Act(id, action, req.actor));
                   return WithEtag(JsonResponse(200, e), e);
                 });
               });
  }
  router.Add("GET", "/api/v1/audit", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      // A misspelt filter must not silently widen the answer.
      for (const auto& [name, value] : req.query) {
        static const std::set<std::string_view> kKnown = {"resource", "id", "environment", "actor", "since",
                                                          "until", "order", "limit", "cursor"};
        if (!kKnown.contains(name)) {
          return Invalid(name.size() > 64 ? name.substr(0, 64) : name,
                         "unknown query parameter (known: resource, id, environment, actor, since, until, order, "
                         "limit, cursor)");
        }
      }
      AURORA_TRY(limit, Limit(req));
      std::optional<Kind> kind;
      if (auto resource = req.Query("resource"); resource && !resource->empty()) {
        kind = store::ParseKind(*resource);
        if (!kind) return Invalid("resource", "must be attribute, segment, parameter, experiment, environment, key or user");
      }
      std::optional<std::int64_t> id;
      if (auto text = req.Query("id"); text && !text->empty()) {
        std::int64_t v = 0;
        const auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
        if (ec != std::errc() || p != text->data() + text->size() || v <= 0) return Invalid("id", "must be a positive integer");
        id = v;
      }
      AuditFilter filter{kind, id, std::nullopt, std::nullopt, std::nullopt, std::nullopt, true};
      if (auto env = req.Query("environment"); env && !env->empty()) filter.environment = std::string(*env);
      if (auto actor = req.Query("actor"); actor && !actor->empty()) {
        if (actor->size() > 512) return Invalid("actor", "must be at most 512 characters");
        filter.actor = std::string(*actor);
      }
      for (const char* bound : {"since", "until"}) {
        const auto text = req.Query(bound);
        if (!text || text->empty()) continue;
        const auto t = engine::ParseRfc3339(*text);
        if (!t) return Invalid(bound, "must be an RFC 3339 date-time such as 2026-12-01T00:00:00Z");
        (std::string_view(bound) == "since" ? filter.since : filter.until) = ToMicros(*t);
      }
      if (const auto order = req.Query("order"); order && !order->empty()) {
        if (*order != "asc" && *order != "desc") return Invalid("order", "must be desc (newest first, the default) or asc");
        filter.newest_first = *order == "desc";
      }
      AURORA_TRY(page, ctx.resources.Audit(filter, std::string(req.Query("cursor").value_or("")), limit));
      return JsonResponse(200, page.ToJson());
    });
  });

  // Environments (SPEC §10, docs/environments.md).
  router.Add("GET", "/api/v1/environments", [&ctx](const Request&, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(page, ctx.resources.ListEnvironments());
      return JsonResponse(200, page.ToJson());
    });
  });
  router.Add("POST", "/api/v1/environments", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(body, ParseBody(req, false));
      AURORA_TRY(created, ctx.resources.CreateEnvironment(body, req.actor));
      Response r = WithEtag(JsonResponse(201, created), created);
      r.SetHeader("Location", "/api/v1/environments/" + created["name"].get<std::string>());
      return r;
    });
  });
  router.Add("GET", "/api/v1/environments/:name", [&ctx](const Request&, const PathParams& params) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(env, ctx.resources.GetEnvironment(std::string(params.Get("name"))));
      return WithEtag(JsonResponse(200, env), env);
    });
  });
  for (const char* method : {"PUT", "PATCH"}) {
    const bool patch = std::string_view(method) == "PATCH";
    router.Add(method, "/api/v1/environments/:name", [&ctx, patch](const Request& req, const PathParams& params) {
      return Handle([&]() -> Result<Response> {
        AURORA_TRY(body, ParseBody(req, false));
        AURORA_TRY(if_match, IfMatch(req));
        AURORA_TRY(updated, ctx.resources.UpdateEnvironment(std::string(params.Get("name")), body, if_match, patch,
                                                            req.actor));
        return WithEtag(JsonResponse(200, updated), updated);
      });
    });
  }
  router.Add("DELETE", "/api/v1/environments/:name", [&ctx](const Request& req, const PathParams& params) {
    return Handle([&]() -> Result<Response> {
      AURORA_CHECK(ctx.resources.DeleteEnvironment(std::string(params.Get("name")), req.actor));
      Response r;
      r.status = 204;
      return r;
    });
  });
  router.Add("GET", "/api/v1/environments/:name/diff", [&ctx](const Request& req, const PathParams& params) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(diff, ctx.resources.Diff(std::string(params.Get("name")), std::string(req.Query("from").value_or(""))));
      return JsonResponse(200, diff);
    });
  });
  router.Add("POST", "/api/v1/environments/:name/promote", [&ctx](const Request& req, const PathParams& params) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(body, ParseBody(req, false));
      AURORA_TRY(result, ctx.resources.Promote(std::string(params.Get("name")), body,
                                               req.actor));
      return JsonResponse(200, result);
    });
  });

  // The job queue (docs/jobs.md), admin only: queue, attempts and errors.
  router.Add("GET", "/api/v1/jobs", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(limit, Limit(req));
      AURORA_TRY(after, ParseCursor(std::string(req.Query("cursor").value_or(""))));
      std::optional<jobs::JobState> state;
      if (auto text = req.Query("state"); text && !text->empty()) {
        state = jobs::ParseJobState(*text);
        if (!state) return Invalid("state", "must be pending, running, succeeded or dead");
      }
      AURORA_TRY(rows, jobs::ListJobs(ctx.db, state, after, limit + 1));
      Page page;
      for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i) {
        page.items.push_back(jobs::JobToJson(rows[i]));
      }
      if (rows.size() > static_cast<std::size_t>(limit)) page.next_cursor = std::to_string(rows[limit - 1].id);
      return JsonResponse(200, page.ToJson());
    });
  });

  // API keys (admin only, like every route not listed as open or sdk in auth.cpp).
  router.Add("GET", "/api/v1/keys", [&ctx](const Request&, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(list, ctx.keys.List());
      return JsonResponse(200, list);
    });
  });
  router.Add("POST", "/api/v1/keys", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(body, ParseBody(req, false));
      const BodyReader r(body, "");
      AURORA_CHECK(r.Expect({"name", "scope", "environment"}));
      AURORA_TRY(name, r.String("name", 4 * kMaxNameLength, true));
      AURORA_TRY(scope_text, r.String("scope", 16, true));
      if (scope_text != "admin" && scope_text != "sdk") return Invalid("scope", "must be admin or sdk");
      AURORA_TRY(environment, r.String("environment", 64, false));
      AURORA_TRY(created, ctx.keys.Create(name, scope_text == "admin" ? Scope::kAdmin : Scope::kSdk,
                                          req.actor, environment));
      Response res = JsonResponse(201, created.ToJson());
      res.SetHeader("Location", "/api/v1/keys/" + std::to_string(created.id));
      res.SetHeader("Cache-Control", "no-store");
      return res;
    });
  });
  router.Add("DELETE", "/api/v1/keys/:id", [&ctx](const Request& req, const PathParams& params) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(id, PathId(params));
      AURORA_CHECK(ctx.keys.Revoke(id, req.actor));
      Response res;
      res.status = 204;
      return res;
    });
  });

  // SDK endpoints.
  router.Add("POST", "/api/v1/sdk/parameters", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(body, ParseBody(req, true));
      AURORA_CHECK(BodyReader(body, "").Expect({}));
      AURORA_TRY(bundle, BundleOf(ctx, req));
      if (NoneMatch(req, bundle->etag)) {
        Response not_modified;
        not_modified.status = 304;
        not_modified.SetHeader("ETag", bundle->etag);
        return not_modified;
      }
      Response r = Response::Json(200, bundle->parameters_json);
      r.SetHeader("ETag", bundle->etag);
      return r;
    });
  });
  router.Add("POST", "/api/v1/sdk/experiments", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(body, ParseBody(req, true));
      AURORA_CHECK(BodyReader(body, "").Expect({}));
      AURORA_TRY(bundle, BundleOf(ctx, req));
      if (NoneMatch(req, bundle->etag)) {
        Response not_modified;
        not_modified.status = 304;
        not_modified.SetHeader("ETag", bundle->etag);
        return not_modified;
      }
      Response r = Response::Json(200, bundle->experiments_json);
      r.SetHeader("ETag", bundle->etag);
      return r;
    });
  });
  router.Add("GET", "/api/v1/sdk/metadata", [&ctx](const Request& req, const PathParams&) {
    return Handle([&]() -> Result<Response> {
      AURORA_TRY(bundle, BundleOf(ctx, req));
      const auto& s3 = ctx.config.s3;
      // The default environment is also at the wave-1 key; every one is under environments/.
      const std::string key = s3.prefix + (bundle->environment == ctx.snapshots.default_environment()
                                               ? std::string()
                                               : "environments/" + bundle->environment + "/") +
                              "snapshot.json";
      nlohmann::ordered_json body;
      body["environment"] = bundle->environment;
      body["revision"] = bundle->revision;
      body["generatedAt"] = bundle->generated_at.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(bundle->generated_at);
      body["s3"] = {{"enabled", s3.enabled},
                    {"bucket", s3.enabled ? nlohmann::ordered_json(s3.bucket_name) : nlohmann::ordered_json(nullptr)},
                    {"key", s3.enabled ? nlohmann::ordered_json(key) : nlohmann::ordered_json(nullptr)}};
      return JsonResponse(200, body);
    });
  });
  router.Add("GET", "/api/v1/sdk/config", [&ctx](const Request& req, const PathParams&) {
    auto found = BundleOf(ctx, req);
    if (!found) return ErrorResponse(found.error());
    const auto& bundle = *found;
    Response r;
    r.SetHeader("ETag", bundle->etag);
    r.SetHeader("Vary", "Accept-Encoding");
    r.SetHeader("Cache-Control", "no-cache");
    if (NoneMatch(req, bundle->etag)) {
      r.status = 304;
      return r;
    }
    r.SetHeader("Content-Type", "application/json");
    if (AcceptsGzip(req)) {
      r.SetHeader("Content-Encoding", "gzip");
      r.body = bundle->gzip;
    } else {
      r.body = bundle->json;
    }
    return r;
  });
  router.Add("GET", "/api/v1/sdk/stream", [&ctx](const Request& req, const PathParams&) {
    auto bundle = BundleOf(ctx, req);
    if (!bundle) return ErrorResponse(bundle.error());
    return ctx.streams.Open(req, *bundle);
  });
  router.Add("POST", "/api/v1/evaluate", [&ctx](const Request& req, const PathParams&) {
    return Handle([&] { return Evaluate(ctx, req); });
  });

  // Operations.
  router.Add("GET", "/healthz", [](const Request&, const PathParams&) {
    return Response::Json(200, R"({"status":"ok"})");
  });
  router.Add("GET", "/readyz", [&ctx](const Request&, const PathParams&) {
    if (auto ping = ctx.db.Ping(); !ping) {
      ctx.metrics.CountDatabaseError();
      return Response::JsonError(503, "unavailable", "database unreachable");
    }
    store::Migrator migrator(ctx.db);
    auto version = migrator.Version();
    if (!version || *version != ctx.latest_migration) {
      return Response::JsonError(503, "unavailable", "database migrations are not current");
    }
    if (!ctx.snapshots.Current()) return Response::JsonError(503, "unavailable", "no snapshot yet");
    return Response::Json(200, R"({"status":"ready"})");
  });
  router.Add("GET", "/metrics", [&ctx](const Request&, const PathParams&) {
    Response r;
    r.body = ctx.metrics.Render();
    r.SetHeader("Content-Type", "text/plain; version=0.0.4");
    return r;
  });
  router.Add("GET", "/api/openapi.yaml", [](const Request&, const PathParams&) {
    Response r;
    r.body = OpenApiYaml();
    r.SetHeader("Content-Type", "application/yaml");
    return r;
  });
  RegisterOfrepRoutes(router, ctx);
  RegisterPeopleRoutes(router, ctx);
}

}  // namespace aurora::server::api
