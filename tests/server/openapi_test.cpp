// docs/openapi.yaml against the routes the server really registers: the operations of the
// document that are not marked `x-aurora-status: planned` are exactly router.Routes() (with
// `:id` written `{id}`), planned operations are not registered, every operation has a unique
// operationId and at least one response, and every $ref points at an existing components entry.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "server/api/routes.hpp"
#include "server/http/router.hpp"
#include "store/migrations.hpp"

#ifndef AURORA_OPENAPI_PATH
#error "AURORA_OPENAPI_PATH must name docs/openapi.yaml"
#endif

namespace aurora::server {
namespace {

namespace fs = std::filesystem;

using Route = std::pair<std::string, std::string>;  // (METHOD, /openapi/{style}/path)

constexpr const char* kMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

// "/api/v1/parameters/:id" -> "/api/v1/parameters/{id}".
std::string ToOpenApiPath(const std::string& pattern) {
  std::string out;
  for (const std::string& segment : Segments(pattern)) {
    out += '/';
    out += !segment.empty() && segment[0] == ':' ? "{" + segment.substr(1) + "}" : segment;
  }
  return out.empty() ? "/" : out;
}

// "/api/v1/parameters/{id}" -> "/api/v1/parameters/12345" (a concrete request path).
std::string Concrete(const std::string& path) {
  std::string out;
  for (const std::string& segment : Segments(path)) {
    out += '/';
    out += !segment.empty() && segment.front() == '{' && segment.back() == '}' ? "12345" : segment;
  }
  return out.empty() ? "/" : out;
}

std::string Describe(const Route& r) { return r.first + " " + r.second; }

http::Request MakeRequest(const std::string& method, const std::string& target) {
  http::Request request;
  request.method = method;
  request.target = target;
  if (auto parsed = http::ParseRequestTarget(target)) {
    request.path = parsed->path;
    request.query = parsed->query;
  }
  return request;
}

// yaml-cpp pitfalls this file avoids: `a = b` between two Nodes that already refer to data
// rebinds the data of `a` (it can rewrite the document), so Nodes are rebound with reset(); and
// operator[] on a missing key gives an invalid node whose IsMap() throws, so lookups go
// through Child().

// The value of `key` when `node` is a map holding it; an undefined node otherwise.
YAML::Node Child(const YAML::Node& node, const std::string& key) {
  if (node.IsDefined() && node.IsMap()) {
    for (const auto& kv : node) {
      if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool IsScalar(const YAML::Node& node, const std::string& value) { return node.IsScalar() && node.Scalar() == value; }

// Resolves a local JSON pointer ("#/components/schemas/Attribute", "#/a~1b/0") in `doc`;
// nullopt when a step is missing.
std::optional<YAML::Node> Resolve(const YAML::Node& doc, const std::string& ref) {
  if (ref.rfind("#/", 0) != 0) return std::nullopt;
  YAML::Node current;
  current.reset(doc);
  std::size_t start = 2;
  while (start <= ref.size()) {
    const std::size_t slash = ref.find('/', start);
    const std::string token = ref.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    std::string key;
    for (std::size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
        key += token[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        key += token[i];
      }
    }
    YAML::Node next;
    if (current.IsMap()) {
      next.reset(Child(current, key));
    } else if (current.IsSequence()) {
      const bool numeric =
          !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
      const YAML::Node& sequence = current;
      if (!numeric || key.size() > 9 || std::stoul(key) >= sequence.size()) return std::nullopt;
      next.reset(sequence[std::stoul(key)]);
    } else {
      return std::nullopt;
    }
    if (!next.IsDefined()) return std::nullopt;
    current.reset(next);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return current;
}

// Every `$ref` value in the document, with where it was found.
void CollectRefs(const YAML::Node& node, const std::string& where,
                 std::vector<std::pair<std::string, std::string>>& out) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      if (key == "$ref" && kv.second.IsScalar()) {
        out.emplace_back(kv.second.Scalar(), where);
      } else {
        CollectRefs(kv.second, where + "/" + key, out);
      }
    }
  } else if (node.IsSequence()) {
    std::size_t i = 0;
    for (const auto& child : node) CollectRefs(child, where + "/" + std::to_string(i++), out);
  }
}

struct Operation {
  Route route;
  std::string operation_id;
  bool planned = false;
  YAML::Node node;
  YAML::Node path_item;
};

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    text_ = ReadFile(AURORA_OPENAPI_PATH);
    ASSERT_FALSE(text_.empty()) << "cannot read " << AURORA_OPENAPI_PATH;
    ASSERT_NO_THROW(doc_ = YAML::Load(text_)) << AURORA_OPENAPI_PATH << " is not valid YAML";
    ASSERT_TRUE(doc_.IsMap());
    const YAML::Node paths = Child(doc_, "paths");
    ASSERT_TRUE(paths.IsMap()) << "the document has no paths";
    for (const auto& path_kv : paths) {
      const std::string path = path_kv.first.Scalar();
      const YAML::Node item = path_kv.second;
      ASSERT_TRUE(item.IsMap()) << path;
      for (const char* method : kMethods) {
        const YAML::Node op = Child(item, method);
        if (!op.IsDefined() || op.IsNull()) continue;
        ASSERT_TRUE(op.IsMap()) << method << " " << path;
        Operation o;
        o.route = Route(Upper(method), path);
        o.node.reset(op);
        o.path_item.reset(item);
        if (const YAML::Node id = Child(op, "operationId"); id.IsScalar()) o.operation_id = id.Scalar();
        if (const YAML::Node status = Child(op, "x-aurora-status"); status.IsDefined()) {
          EXPECT_TRUE(IsScalar(status, "planned"))
              << Describe(o.route) << ": x-aurora-status must be \"planned\" when present";
          o.planned = IsScalar(status, "planned");
        }
        operations_.push_back(std::move(o));
      }
    }
    ASSERT_FALSE(operations_.empty());
  }

  std::string text_;
  YAML::Node doc_;
  std::vector<Operation> operations_;
};

// A real ApiContext over a migrated SQLite database in a temporary directory.
class Server {
 public:
  Server() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("aurora_openapi_test_" + std::to_string(rd()) + "_" + std::to_string(counter.fetch_add(1)));
    fs::create_directories(dir_);
    auto db = store::OpenSqlite((dir_ / "aurora.db").string());
    if (!db) {
      error_ = "OpenSqlite: " + db.error().ToString();
      return;
    }
    db_ = std::move(*db);
    store::Migrator migrator(*db_);
    if (auto up = migrator.Up(); !up) {
      error_ = "Migrator::Up: " + up.error().ToString();
      return;
    }
    resources_ = std::make_unique<ResourceService>(*db_, clock_);
    keys_ = std::make_unique<KeyService>(*db_, clock_);
    users_ = std::make_unique<UserService>(*db_, clock_);
    oidc_ = std::make_unique<OidcService>(*db_, clock_, *users_, OidcSettings{});
    streams_ = std::make_unique<api::StreamHub>(api::StreamOptions{});
    snapshots_ = std::make_unique<SnapshotService>(*db_, std::chrono::milliseconds(200));
    if (auto started = snapshots_->Start(); !started) {
      error_ = "SnapshotService::Start: " + started.error().ToString();
      return;
    }
    context_ = std::make_unique<api::ApiContext>(
        api::ApiContext{*resources_, *snapshots_, metrics_, *db_, clock_, config_, log_, *keys_, *streams_, *users_, *oidc_, true, migrator.Latest()});
    api::RegisterRoutes(router_, *context_);
  }

  ~Server() {
    if (snapshots_) snapshots_->Stop();
    snapshots_.reset();
    resources_.reset();
    keys_.reset();
    oidc_.reset();
    users_.reset();
    db_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  const std::string& error() const { return error_; }
  const http::Router& router() const { return router_; }

 private:
  fs::path dir_;
  std::string error_;
  SystemClock clock_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<ResourceService> resources_;
  std::unique_ptr<KeyService> keys_;
  std::unique_ptr<UserService> users_;
  std::unique_ptr<OidcService> oidc_;
  std::unique_ptr<api::StreamHub> streams_;
  std::unique_ptr<SnapshotService> snapshots_;
  api::Metrics metrics_;
  Config config_;
  Logger log_{LogLevel::kError, LogFormat::kText};
  std::unique_ptr<api::ApiContext> context_;
  http::Router router_;
};

TEST_F(OpenApiTest, IsOpenApi310) {
  const YAML::Node version = Child(doc_, "openapi");
  ASSERT_TRUE(version.IsScalar()) << "no openapi field";
  EXPECT_EQ(version.Scalar(), "3.1.0");
  EXPECT_TRUE(Child(Child(doc_, "info"), "title").IsScalar());
  EXPECT_TRUE(Child(Child(doc_, "info"), "version").IsScalar());
  const YAML::Node bearer = Child(Child(Child(doc_, "components"), "securitySchemes"), "bearerAuth");
  ASSERT_TRUE(bearer.IsMap()) << "bearerAuth is not declared";
  EXPECT_TRUE(IsScalar(Child(bearer, "type"), "http"));
  EXPECT_TRUE(IsScalar(Child(bearer, "scheme"), "bearer"));
}

TEST_F(OpenApiTest, EveryOperationHasAUniqueOperationIdAndAResponse) {
  std::map<std::string, std::string> seen;  // operationId -> operation
  for (const Operation& op : operations_) {
    EXPECT_FALSE(op.operation_id.empty()) << Describe(op.route) << " has no operationId";
    if (!op.operation_id.empty()) {
      const auto [it, inserted] = seen.emplace(op.operation_id, Describe(op.route));
      EXPECT_TRUE(inserted) << "operationId " << op.operation_id << " is used by " << it->second << " and "
                            << Describe(op.route);
    }
    const YAML::Node responses = Child(op.node, "responses");
    EXPECT_TRUE(responses.IsMap() && responses.size() >= 1) << Describe(op.route) << " has no responses";
  }
}

TEST_F(OpenApiTest, EveryRefResolvesToAComponent) {
  std::vector<std::pair<std::string, std::string>> refs;  // ($ref, where it is)
  CollectRefs(doc_, "#", refs);
  ASSERT_FALSE(refs.empty());
  for (const auto& [ref, where] : refs) {
    EXPECT_EQ(ref.rfind("#/components/", 0), 0u) << where << ": $ref " << ref << " does not point into components";
    EXPECT_TRUE(Resolve(doc_, ref).has_value()) << where << ": $ref " << ref << " does not resolve";
  }
}

TEST_F(OpenApiTest, EveryPathTemplateHasAPathParameter) {
  for (const Operation& op : operations_) {
    std::set<std::string> declared;
    for (const YAML::Node& list : {Child(op.path_item, "parameters"), Child(op.node, "parameters")}) {
      if (!list.IsSequence()) continue;
      for (const auto& entry : list) {
        YAML::Node p;
        p.reset(entry);
        if (const YAML::Node ref = Child(p, "$ref"); ref.IsScalar()) {
          const std::optional<YAML::Node> target = Resolve(doc_, ref.Scalar());
          if (!target) continue;  // reported by EveryRefResolvesToAComponent
          p.reset(*target);
        }
        if (IsScalar(Child(p, "in"), "path") && Child(p, "name").IsScalar()) declared.insert(Child(p, "name").Scalar());
      }
    }
    for (const std::string& segment : Segments(op.route.second)) {
      if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
        EXPECT_TRUE(declared.count(segment.substr(1, segment.size() - 2)))
            << Describe(op.route) << " does not declare the path parameter " << segment;
      }
    }
  }
}

TEST_F(OpenApiTest, ImplementedOperationsAreExactlyTheRegisteredRoutes) {
  Server server;
  ASSERT_TRUE(server.error().empty()) << server.error();

  std::set<Route> registered;
  for (const auto& [method, pattern] : server.router().Routes()) {
    EXPECT_NE(method, "HEAD") << "HEAD " << pattern << " is registered (HEAD is served by GET routes)";
    const Route route(method, ToOpenApiPath(pattern));
    EXPECT_TRUE(registered.insert(route).second) << Describe(route) << " is registered twice";
  }
  ASSERT_FALSE(registered.empty());

  std::set<Route> documented;
  std::set<Route> planned;
  for (const Operation& op : operations_) (op.planned ? planned : documented).insert(op.route);

  for (const Route& r : registered) {
    EXPECT_TRUE(documented.count(r)) << Describe(r) << " is registered but not documented (or marked planned)";
  }
  for (const Route& r : documented) {
    EXPECT_TRUE(registered.count(r)) << Describe(r)
                                     << " is documented but not registered (mark it x-aurora-status: planned)";
  }
  for (const Route& r : planned) {
    EXPECT_FALSE(registered.count(r)) << Describe(r)
                                      << " is registered: drop its x-aurora-status: planned";
  }
}

// The router picks each documented operation's own route for a concrete path (no capture
// shadows a literal), and nothing for planned operations.
TEST_F(OpenApiTest, RequestsReachTheDocumentedRoute) {
  Server server;
  ASSERT_TRUE(server.error().empty()) << server.error();
  std::map<Route, std::string> pattern_of;  // documented route -> router pattern
  for (const auto& [method, pattern] : server.router().Routes()) pattern_of[Route(method, ToOpenApiPath(pattern))] = pattern;

  for (const Operation& op : operations_) {
    const http::Request request = MakeRequest(op.route.first, Concrete(op.route.second));
    const std::optional<std::string_view> matched = server.router().MatchedPattern(request);
    if (op.planned) {
      EXPECT_FALSE(matched.has_value()) << Describe(op.route) << " is planned but " << request.path
                                        << " reaches " << (matched ? std::string(*matched) : std::string());
      continue;
    }
    const auto it = pattern_of.find(op.route);
    if (it == pattern_of.end()) continue;  // reported by ImplementedOperationsAreExactlyTheRegisteredRoutes
    ASSERT_TRUE(matched.has_value()) << op.route.first << " " << request.path << " reaches no route";
    EXPECT_EQ(std::string(*matched), it->second) << op.route.first << " " << request.path;
  }
}

// GET /api/openapi.yaml serves this very document.
TEST_F(OpenApiTest, ServedDocumentIsThisFile) {
  Server server;
  ASSERT_TRUE(server.error().empty()) << server.error();
  const http::Response response = server.router().Dispatch(MakeRequest("GET", "/api/openapi.yaml"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("Content-Type").value_or(""), "application/yaml");
  EXPECT_TRUE(response.body == text_) << "the embedded document differs from " << AURORA_OPENAPI_PATH
                                      << " (rebuild to re-embed it)";
}

}  // namespace
}  // namespace aurora::server
