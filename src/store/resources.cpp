#include "store/resources.hpp"

#include <algorithm>

namespace aurora::store {
namespace {

std::string Columns(Kind kind) {
  switch (kind) {
    case Kind::kAttribute:
    case Kind::kParameter:
      return "id, name, body, version, created_at, updated_at, data_type";
    case Kind::kSegment:
      return "id, name, body, version, created_at, updated_at";
    case Kind::kExperiment:
      return "id, name, body, version, created_at, updated_at, uuid, status, start_date, end_date, environment_id";
    case Kind::kApiKey:
    case Kind::kEnvironment:
    case Kind::kUser:
      break;
  }
  return "id, name, body, version, created_at, updated_at";
}

Resource FromRow(Kind kind, const Row& row) {
  Resource r;
  r.id = row.Int(0);
  r.name = row.Text(1);
  // Bodies are written only by this code as valid JSON; a damaged one reads as empty and the
  // snapshot validation refuses it loudly rather than the server crashing.
  r.body = nlohmann::json::parse(row.Text(2), nullptr, false);
  if (r.body.is_discarded()) r.body = nlohmann::json::object();
  r.version = row.Int(3);
  r.created_at = row.Int(4);
  r.updated_at = row.Int(5);
  if (kind == Kind::kAttribute || kind == Kind::kParameter) r.data_type = row.Text(6);
  if (kind == Kind::kExperiment) {
    r.uuid = row.Text(6);
    r.status = row.Text(7);
    r.start_date = row.OptionalInt(8);
    r.end_date = row.OptionalInt(9);
    r.environment_id = row.Int(10);
  }
  return r;
}

Result<std::vector<Resource>> Select(Transaction& tx, Kind kind, const std::string& where,
                                     const std::vector<SqlParam>& params) {
  auto rows = tx.Query("SELECT " + Columns(kind) + " FROM " + KindPlural(kind) + " " + where, params);
  if (!rows) return std::move(rows).error();
  std::vector<Resource> out;
  out.reserve(rows->size());
  for (const Row& row : *rows) out.push_back(FromRow(kind, row));
  return out;
}

Result<std::optional<Resource>> SelectOne(Transaction& tx, Kind kind, const std::string& where,
                                          const std::vector<SqlParam>& params) {
  auto all = Select(tx, kind, where, params);
  if (!all) return std::move(all).error();
  if (all->empty()) return std::optional<Resource>();
  return std::optional<Resource>(std::move(all->front()));
}

SqlParam OptionalParam(const std::optional<std::int64_t>& v) { return v ? Param(*v) : Null(); }

}  // namespace

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kAttribute: return "attribute";
    case Kind::kSegment: return "segment";
    case Kind::kParameter: return "parameter";
    case Kind::kExperiment: return "experiment";
    case Kind::kApiKey: return "key";
    case Kind::kEnvironment: return "environment";
    case Kind::kUser: return "user";
  }
  return "?";
}

const char* KindPlural(Kind kind) {
  switch (kind) {
    case Kind::kAttribute: return "attributes";
    case Kind::kSegment: return "segments";
    case Kind::kParameter: return "parameters";
    case Kind::kExperiment: return "experiments";
    case Kind::kApiKey: return "api_keys";
    case Kind::kEnvironment: return "environments";
    case Kind::kUser: return "users";
  }
  return "?";
}

std::optional<Kind> ParseKind(std::string_view s) {
  for (Kind k : {Kind::kAttribute, Kind::kSegment, Kind::kParameter, Kind::kExperiment, Kind::kApiKey,
                 Kind::kEnvironment, Kind::kUser}) {
    if (s == KindName(k) || s == KindPlural(k)) return k;
  }
  return std::nullopt;
}

Result<std::optional<Resource>> GetResource(Transaction& tx, Kind kind, std::int64_t id) {
  return SelectOne(tx, kind, "WHERE id = $1", {Param(id)});
}

Result<std::optional<Resource>> GetResourceByName(Transaction& tx, Kind kind, const std::string& name) {
  return SelectOne(tx, kind, "WHERE name = $1", {Param(name)});
}

Result<std::optional<Resource>> GetExperimentByUuid(Transaction& tx, const std::string& uuid) {
  return SelectOne(tx, Kind::kExperiment, "WHERE uuid = $1", {Param(uuid)});
}

Result<std::vector<Resource>> ListResources(Transaction& tx, Kind kind, std::int64_t after_id, int limit,
                                            std::optional<std::int64_t> environment_id) {
  if (environment_id && kind == Kind::kExperiment) {
    return Select(tx, kind, "WHERE environment_id = $3 AND id > $1 ORDER BY id LIMIT $2",
                  {Param(after_id), Param(std::int64_t{limit}), Param(*environment_id)});
  }
  return Select(tx, kind, "WHERE id > $1 ORDER BY id LIMIT $2", {Param(after_id), Param(std::int64_t{limit})});
}

Result<std::vector<Resource>> AllResources(Transaction& tx, Kind kind, std::optional<std::int64_t> environment_id) {
  if (environment_id && kind == Kind::kExperiment) {
    return Select(tx, kind, "WHERE environment_id = $1 ORDER BY id", {Param(*environment_id)});
  }
  return Select(tx, kind, "ORDER BY id", {});
}

Result<void> InsertResource(Transaction& tx, Kind kind, Resource& r) {
  Result<std::vector<Row>> rows = std::vector<Row>{};
  const std::string body = r.body.dump();
  switch (kind) {
    case Kind::kAttribute:
    case Kind::kParameter:
      rows = tx.Query(std::string("INSERT INTO ") + KindPlural(kind) +
                          " (name, body, version, created_at, updated_at, data_type) VALUES ($1, $2, $3, $4, $5, $6) "
                          "RETURNING id",
                      {Param(r.name), Param(body), Param(r.version), Param(r.created_at), Param(r.updated_at),
                       Param(r.data_type)});
      break;
    case Kind::kSegment:
      rows = tx.Query("INSERT INTO segments (name, body, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) "
                      "RETURNING id",
                      {Param(r.name), Param(body), Param(r.version), Param(r.created_at), Param(r.updated_at)});
      break;
    case Kind::kExperiment:
      rows = tx.Query(
          "INSERT INTO experiments (name, body, version, created_at, updated_at, uuid, status, start_date, end_date, "
          "environment_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
          {Param(r.name), Param(body), Param(r.version), Param(r.created_at), Param(r.updated_at), Param(r.uuid),
           Param(r.status), OptionalParam(r.start_date), OptionalParam(r.end_date), Param(r.environment_id)});
      break;
    case Kind::kApiKey:
    case Kind::kEnvironment:
    case Kind::kUser:
      return Error{ErrorCode::kInternal, "API keys are written through store/keys.hpp"};
  }
  if (!rows) return std::move(rows).error();
  r.id = rows->at(0).Int(0);
  return {};
}

Result<bool> UpdateResource(Transaction& tx, Kind kind, const Resource& r, std::int64_t expected_version) {
  Result<std::int64_t> n = std::int64_t{0};
  const std::string body = r.body.dump();
  switch (kind) {
    case Kind::kAttribute:
    case Kind::kParameter:
      n = tx.Exec(std::string("UPDATE ") + KindPlural(kind) +
                      " SET name = $1, body = $2, version = $3, updated_at = $4, data_type = $5 "
                      "WHERE id = $6 AND version = $7",
                  {Param(r.name), Param(body), Param(r.version), Param(r.updated_at), Param(r.data_type),
                   Param(r.id), Param(expected_version)});
      break;
    case Kind::kSegment:
      n = tx.Exec("UPDATE segments SET name = $1, body = $2, version = $3, updated_at = $4 WHERE id = $5 AND version = $6",
                  {Param(r.name), Param(body), Param(r.version), Param(r.updated_at), Param(r.id),
                   Param(expected_version)});
      break;
    case Kind::kExperiment:
      n = tx.Exec(
          "UPDATE experiments SET name = $1, body = $2, version = $3, updated_at = $4, status = $5, start_date = $6, "
          "end_date = $7 WHERE id = $8 AND version = $9",
          {Param(r.name), Param(body), Param(r.version), Param(r.updated_at), Param(r.status),
           OptionalParam(r.start_date), OptionalParam(r.end_date), Param(r.id), Param(expected_version)});
      break;
    case Kind::kApiKey:
    case Kind::kEnvironment:
    case Kind::kUser:
      return Error{ErrorCode::kInternal, "API keys are written through store/keys.hpp"};
  }
  if (!n) return std::move(n).error();
  return *n == 1;
}

Result<void> DeleteResource(Transaction& tx, Kind kind, std::int64_t id) {
  auto n = tx.Exec(std::string("DELETE FROM ") + KindPlural(kind) + " WHERE id = $1", {Param(id)});
  if (!n) return std::move(n).error();
  return {};
}

Result<void> ClearReferences(Transaction& tx, Kind owner_kind, std::int64_t owner_id) {
  const SqlParam kind = Param(KindName(owner_kind));
  if (auto r = tx.Exec("DELETE FROM attribute_refs WHERE owner_kind = $1 AND owner_id = $2", {kind, Param(owner_id)}); !r) {
    return std::move(r).error();
  }
  if (owner_kind != Kind::kAttribute && owner_kind != Kind::kSegment) {
    if (auto r = tx.Exec("DELETE FROM segment_refs WHERE owner_kind = $1 AND owner_id = $2", {kind, Param(owner_id)}); !r) {
      return std::move(r).error();
    }
  }
  if (owner_kind == Kind::kExperiment) {
    if (auto r = tx.Exec("DELETE FROM parameter_refs WHERE experiment_id = $1", {Param(owner_id)}); !r) {
      return std::move(r).error();
    }
  }
  return {};
}

Result<void> SetReferences(Transaction& tx, Kind owner_kind, std::int64_t owner_id, const References& refs) {
  if (auto r = ClearReferences(tx, owner_kind, owner_id); !r) return r;
  auto unique = [](std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  };
  const SqlParam kind = Param(KindName(owner_kind));
  for (std::int64_t a : unique(refs.attributes)) {
    auto r = tx.Exec("INSERT INTO attribute_refs (owner_kind, owner_id, attribute_id) VALUES ($1, $2, $3)",
                     {kind, Param(owner_id), Param(a)});
    if (!r) return std::move(r).error();
  }
  for (std::int64_t s : unique(refs.segments)) {
    auto r = tx.Exec("INSERT INTO segment_refs (owner_kind, owner_id, segment_id) VALUES ($1, $2, $3)",
                     {kind, Param(owner_id), Param(s)});
    if (!r) return std::move(r).error();
  }
  for (std::int64_t p : unique(refs.parameters)) {
    auto r = tx.Exec("INSERT INTO parameter_refs (experiment_id, parameter_id) VALUES ($1, $2)",
                     {Param(owner_id), Param(p)});
    if (!r) return std::move(r).error();
  }
  return {};
}

Result<std::vector<Referrer>> Referrers(Transaction& tx, Kind kind, std::int64_t id) {
  std::string sql;
  switch (kind) {
    case Kind::kAttribute:
      sql = "SELECT r.owner_kind, r.owner_id, COALESCE(s.name, p.name, e.name) FROM attribute_refs r "
            "LEFT JOIN segments s ON r.owner_kind = 'segment' AND s.id = r.owner_id "
            "LEFT JOIN parameters p ON r.owner_kind = 'parameter' AND p.id = r.owner_id "
            "LEFT JOIN experiments e ON r.owner_kind = 'experiment' AND e.id = r.owner_id "
            "WHERE r.attribute_id = $1 ORDER BY r.owner_kind, r.owner_id";
      break;
    case Kind::kSegment:
      sql = "SELECT r.owner_kind, r.owner_id, COALESCE(p.name, e.name) FROM segment_refs r "
            "LEFT JOIN parameters p ON r.owner_kind = 'parameter' AND p.id = r.owner_id "
            "LEFT JOIN experiments e ON r.owner_kind = 'experiment' AND e.id = r.owner_id "
            "WHERE r.segment_id = $1 ORDER BY r.owner_kind, r.owner_id";
      break;
    case Kind::kParameter:
      sql = "SELECT 'experiment', r.experiment_id, e.name FROM parameter_refs r "
            "JOIN experiments e ON e.id = r.experiment_id WHERE r.parameter_id = $1 ORDER BY r.experiment_id";
      break;
    case Kind::kExperiment:
    case Kind::kApiKey:
    case Kind::kEnvironment:
    case Kind::kUser:
      return std::vector<Referrer>{};
  }
  auto rows = tx.Query(sql, {Param(id)});
  if (!rows) return std::move(rows).error();
  std::vector<Referrer> out;
  for (const Row& row : *rows) {
    out.push_back(Referrer{ParseKind(row.Text(0)).value_or(Kind::kExperiment), row.Int(1), row.Text(2)});
  }
  return out;
}

Result<RevisionInfo> LockRevision(Transaction& tx) {
  const char* sql = tx.dialect() == Dialect::kPostgres
                        ? "SELECT revision, updated_at FROM aurora_revision WHERE id = 1 FOR UPDATE"
                        : "SELECT revision, updated_at FROM aurora_revision WHERE id = 1";
  auto rows = tx.Query(sql);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return Error{ErrorCode::kInternal, "the revision row is missing: is the database migrated?"};
  return RevisionInfo{rows->at(0).Int(0), rows->at(0).Int(1)};
}

Result<void> AppendAudit(Transaction& tx, const AuditRecord& a) {
  auto r = tx.Exec(
      "INSERT INTO audit_log (at, actor, action, resource_kind, resource_id, revision, before_body, after_body, "
      "environment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {Param(a.at), Param(a.actor), Param(a.action), Param(KindName(a.kind)), Param(a.resource_id), Param(a.revision),
       a.before ? Param(a.before->dump()) : Null(), a.after ? Param(a.after->dump()) : Null(),
       a.environment ? Param(*a.environment) : Null()});
  if (!r) return std::move(r).error();
  return {};
}

Result<std::vector<AuditRecord>> ListAudit(Transaction& tx, const AuditQuery& q, std::int64_t cursor_id, int limit) {
  const bool from_start = cursor_id <= 0;
  std::string sql =
      "SELECT id, at, actor, action, resource_kind, resource_id, revision, before_body, after_body, environment "
      "FROM audit_log WHERE ";
  sql += q.newest_first && !from_start ? "id < $1" : "id > $1";
  std::vector<SqlParam> params = {Param(q.newest_first && from_start ? std::int64_t{0} : cursor_id)};
  const auto where = [&](const char* condition, SqlParam value) {
    params.push_back(std::move(value));
    sql += std::string(" AND ") + condition + " $" + std::to_string(params.size());
  };
  if (q.kind) where("resource_kind =", Param(KindName(*q.kind)));
  if (q.resource_id) where("resource_id =", Param(*q.resource_id));
  if (q.environment) where("environment =", Param(*q.environment));
  if (q.actor) where("actor =", Param(*q.actor));
  if (q.since) where("at >=", Param(*q.since));
  if (q.until) where("at <", Param(*q.until));
  params.push_back(Param(std::int64_t{limit}));
  sql += std::string(" ORDER BY id") + (q.newest_first ? " DESC" : "") + " LIMIT $" + std::to_string(params.size());
  auto rows = tx.Query(sql, params);
  if (!rows) return std::move(rows).error();
  std::vector<AuditRecord> out;
  for (const Row& row : *rows) {
    AuditRecord a;
    a.id = row.Int(0);
    a.at = row.Int(1);
    a.actor = row.Text(2);
    a.action = row.Text(3);
    a.kind = ParseKind(row.Text(4)).value_or(Kind::kAttribute);
    a.resource_id = row.Int(5);
    a.revision = row.Int(6);
    if (!row.IsNull(7)) a.before = nlohmann::json::parse(row.Text(7), nullptr, false);
    if (!row.IsNull(8)) a.after = nlohmann::json::parse(row.Text(8), nullptr, false);
    if (!row.IsNull(9)) a.environment = row.Text(9);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace aurora::store
