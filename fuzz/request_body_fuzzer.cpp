// libFuzzer target: request-body decoding of every management resource. The first byte picks
// the resource kind; the rest is the body. Each input runs the server's real path inside a
// write transaction that is rolled back: strict JSON parsing, normalization (field rules,
// reference lookups against a seeded SQLite database), the insert, and the whole-configuration
// compile of the production environment. It must never crash, leak or trip a sanitizer, and an accepted body must compile.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "engine/codec/json.hpp"
#include "engine/compiled_snapshot.hpp"
#include "jobs/snapshot_builder.hpp"
#include "server/services/clock.hpp"
#include "server/services/normalize.hpp"
#include "server/services/resource_service.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace {

using namespace aurora;

struct Fixture {
  std::unique_ptr<store::Database> db;
  server::SystemClock clock;
  Fixture() {
    const auto dir = std::filesystem::temp_directory_path() / ("aurora_fuzz_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    auto opened = store::OpenSqlite((dir / "fuzz.db").string());
    if (!opened) std::abort();
    db = std::move(*opened);
    (void)store::Migrator(*db).Up();
    server::ResourceService resources(*db, clock);
    auto seed = [&](store::Kind kind, const char* body) { (void)resources.Create(kind, nlohmann::json::parse(body), "fuzz"); };
    seed(store::Kind::kAttribute, R"({"name":"user_id","dataType":"string"})");
    seed(store::Kind::kAttribute, R"({"name":"age","dataType":"number"})");
    seed(store::Kind::kAttribute, R"({"name":"plan","dataType":"enum","enumOptions":["free","pro"]})");
    seed(store::Kind::kAttribute, R"({"name":"version","dataType":"semver"})");
    seed(store::Kind::kSegment, R"({"name":"adults","rules":[{"conditions":[{"attribute":"age","operator":"greater_than_or_equal","value":18}]}]})");
    seed(store::Kind::kParameter, R"({"name":"hero","dataType":"string","defaultValue":"hi"})");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  if (size < 1) return 0;
  const store::Kind kinds[] = {store::Kind::kAttribute, store::Kind::kSegment, store::Kind::kParameter,
                               store::Kind::kExperiment};
  const store::Kind kind = kinds[data[0] % 4];
  auto body = engine::ParseJson(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  if (!body) return 0;
  auto tx = fixture.db->Begin(true);
  if (!tx) std::abort();
  auto normalized = server::Normalize(kind, *body, nullptr, **tx);
  if (!normalized) return 0;
  auto production = store::GetEnvironment(**tx, "production");
  if (!production || !*production) std::abort();
  store::Resource& r = normalized->resource;
  r.created_at = r.updated_at = 1;
  r.environment_id = (*production)->id;  // experiments belong to one environment
  nlohmann::json state;
  if (kind == store::Kind::kParameter) {  // as the service stores it: definition and state apart
    auto [definition, parameter_state] = jobs::SplitParameter(r.body);
    r.body = std::move(definition);
    state = std::move(parameter_state);
  }
  if (!store::InsertResource(**tx, kind, r)) return 0;  // e.g. a duplicate name
  if (kind == store::Kind::kParameter && !store::PutParameterState(**tx, r.id, (*production)->id, state)) {
    std::abort();
  }
  if (!store::SetReferences(**tx, kind, r.id, normalized->references)) std::abort();
  auto config = jobs::LoadStoredConfig(**tx, **production);
  if (!config) std::abort();
  (void)engine::CompileSnapshot(jobs::ToSnapshot(*config, true));  // refusal is fine; a crash is not
  return 0;  // the transaction rolls back: every input starts from the same database
}
