#include "server/services/user_service.hpp"

#include <algorithm>

#include "server/services/body.hpp"
#include "server/services/crypto.hpp"
#include "server/services/try.hpp"
#include "store/resources.hpp"

namespace aurora::server {
namespace {

constexpr std::size_t kTokenBytes = 32;  // 256 bits from the OS CSPRNG
constexpr std::size_t kMaxEmailLength = 254;
constexpr std::size_t kMinPasswordLength = 10;
constexpr std::size_t kMaxPasswordLength = 1024;
constexpr std::int64_t kTouchEveryMicros = 60'000'000;  // at most; a tenth of the idle limit when shorter

nlohmann::ordered_json UserJson(const store::UserRecord& u) {
  nlohmann::ordered_json j;
  j["id"] = u.id;
  j["email"] = u.email;
  j["name"] = u.name;
  j["role"] = u.role;
  j["disabled"] = u.disabled;
  j["passwordSet"] = u.password_hash.has_value();
  j["version"] = u.version;
  j["createdAt"] = engine::FormatRfc3339(FromMicros(u.created_at));
  j["updatedAt"] = engine::FormatRfc3339(FromMicros(u.updated_at));
  j["lastLoginAt"] = u.last_login_at ? nlohmann::ordered_json(engine::FormatRfc3339(FromMicros(*u.last_login_at)))
                                     : nlohmann::ordered_json(nullptr);
  return j;
}

// What an audit record keeps of a user: never the hash, only whether the password changed.
nlohmann::json AuditView(const store::UserRecord& u) {
  return nlohmann::json{{"email", u.email}, {"name", u.name}, {"role", u.role}, {"disabled", u.disabled}};
}

Result<void> Audit(store::Transaction& tx, std::int64_t now, const std::string& actor, const std::string& action,
                   std::int64_t id, std::optional<nlohmann::json> before, std::optional<nlohmann::json> after) {
  store::AuditRecord a;
  a.at = now;
  a.actor = actor;
  a.action = action;
  a.kind = store::Kind::kUser;
  a.resource_id = id;
  a.before = std::move(before);
  a.after = std::move(after);
  return store::AppendAudit(tx, a);
}

Result<void> Fail(Result<bool> r, ErrorCode code, std::string message) {
  if (!r) return std::move(r).error();
  if (!*r) return Error{code, std::move(message)};
  return {};
}

// The last active admin may not lose that: a deployment without an admin cannot be repaired
// through the API (only `aurora users` on the database could).
Result<void> KeepAnAdmin(store::Transaction& tx, const store::UserRecord& before, bool still_active_admin) {
  if (before.role != "admin" || before.disabled || still_active_admin) return {};
  AURORA_TRY(admins, store::CountActiveAdmins(tx));
  if (admins <= 1) return Error{ErrorCode::kConflict, "this is the last active admin: make another admin first"};
  return {};
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kViewer: return "viewer";
    case Role::kEditor: return "editor";
    case Role::kAdmin: return "admin";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view text) {
  for (Role r : {Role::kViewer, Role::kEditor, Role::kAdmin}) {
    if (text == RoleName(r)) return r;
  }
  return std::nullopt;
}

Result<std::string> CheckEmail(std::string_view email, const std::string& field) {
  if (email.empty() || email.size() > kMaxEmailLength) {
    return Invalid(field, "must be an email address of at most 254 characters");
  }
  std::string out;
  out.reserve(email.size());
  for (const char c : email) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' || c == '\\') {
      return Invalid(field, "must be an email address (no spaces, quotes or control characters)");
    }
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  const auto at = out.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= out.size() || out.find('@', at + 1) != std::string::npos ||
      out.find('.', at) == std::string::npos || out.back() == '.') {
    return Invalid(field, "must be an email address such as ada@example.com");
  }
  return out;
}

Result<void> CheckPassword(std::string_view password, const std::string& field) {
  if (password.size() < kMinPasswordLength) return Invalid(field, "must be at least 10 characters");
  if (password.size() > kMaxPasswordLength) return Invalid(field, "must be at most 1024 bytes");
  return {};
}

std::string ClientAddress(std::string_view remote) {
  if (remote.starts_with('[')) {
    const auto close = remote.find(']');
    return std::string(remote.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  const auto colon = remote.rfind(':');
  return std::string(colon == std::string_view::npos ? remote : remote.substr(0, colon));
}

UserService::UserService(store::Database& db, const Clock& clock, SessionPolicy policy)
    : db_(db), clock_(clock), policy_(policy), dummy_hash_(HashPassword(RandomHex(16), policy_.cost)) {}

Result<nlohmann::ordered_json> UserService::Create(const nlohmann::json& body, const std::string& actor) {
  const BodyReader r(body, "");
  AURORA_CHECK(r.Expect({"email", "name", "role", "password"}));
  AURORA_TRY(email_text, r.String("email", 1024, true));
  AURORA_TRY(email, CheckEmail(email_text, "email"));
  AURORA_TRY(name, r.String("name", kMaxNameLength, false));
  AURORA_TRY(role_text, r.String("role", 16, true));
  if (!ParseRole(role_text)) return Invalid("role", "must be viewer, editor or admin");
  AURORA_TRY(password, r.String("password", 4096, true));
  AURORA_CHECK(CheckPassword(password, "password"));
  const std::string hash = HashPassword(password, policy_.cost);  // outside the transaction: it is slow

  AURORA_TRY(tx, db_.Begin(true));
  AURORA_CHECK(store::LockRevision(*tx));
  AURORA_TRY(existing, store::GetUserByEmail(*tx, email));
  if (existing) return Error{ErrorCode::kConflict, "a user with this email exists", "email"};
  const std::int64_t now = ToMicros(clock_.Now());
  store::UserRecord u;
  u.email = email;
  u.name = name;
  u.role = role_text;
  u.password_hash = hash;
  u.created_at = u.updated_at = now;
  AURORA_CHECK(store::InsertUser(*tx, u));
  AURORA_CHECK(Audit(*tx, now, actor, "create", u.id, std::nullopt, AuditView(u)));
  AURORA_CHECK((*tx).Commit());
  return UserJson(u);
}

Result<Page> UserService::List(const std::string& cursor, int limit) {
  if (limit < 1 || limit > 1000) return Invalid("limit", "must be between 1 and 1000");
  AURORA_TRY(after, ParseCursor(cursor));
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(rows, store::ListUsers(*tx, after, limit + 1));
  Page page;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i) {
    page.items.push_back(UserJson(rows[i]));
  }
  if (rows.size() > static_cast<std::size_t>(limit)) page.next_cursor = std::to_string(rows[limit - 1].id);
  return page;
}

Result<nlohmann::ordered_json> UserService::Get(std::int64_t id) {
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(u, store::GetUser(*tx, id));
  if (!u) return Error{ErrorCode::kNotFound, "user " + std::to_string(id) + " not found"};
  return UserJson(*u);
}

Result<nlohmann::ordered_json> UserService::GetByEmail(const std::string& email_text) {
  AURORA_TRY(email, CheckEmail(email_text, "email"));
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(u, store::GetUserByEmail(*tx, email));
  if (!u) return Error{ErrorCode::kNotFound, "no user with this email"};
  return UserJson(*u);
}

Result<nlohmann::ordered_json> UserService::Update(std::int64_t id, const nlohmann::json& body,
                                                   std::optional<std::int64_t> if_match, const std::string& actor) {
  const BodyReader r(body, "");
  AURORA_CHECK(r.Expect({"name", "role", "disabled", "password", "version", "email", "id", "passwordSet",
                         "createdAt", "updatedAt", "lastLoginAt"}));
  AURORA_TRY(version_field, r.Id("version", false));
  std::optional<std::string> name, role, password;
  if (r.HasValue("name")) {
    AURORA_TRY(v, r.String("name", kMaxNameLength, false));
    name = v;
  }
  if (r.HasValue("role")) {
    AURORA_TRY(v, r.String("role", 16, true));
    if (!ParseRole(v)) return Invalid("role", "must be viewer, editor or admin");
    role = v;
  }
  AURORA_TRY(disabled, r.Bool("disabled"));
  if (r.HasValue("password")) {
    AURORA_TRY(v, r.String("password", 4096, true));
    AURORA_CHECK(CheckPassword(v, "password"));
    password = HashPassword(v, policy_.cost);
  }
  const std::optional<std::int64_t> expected = if_match ? if_match : version_field;

  AURORA_TRY(tx, db_.Begin(true));
  AURORA_CHECK(store::LockRevision(*tx));
  AURORA_TRY(found, store::GetUser(*tx, id));
  if (!found) return Error{ErrorCode::kNotFound, "user " + std::to_string(id) + " not found"};
  const store::UserRecord before = *found;
  if (r.HasValue("email")) {
    AURORA_TRY(email_text, r.String("email", 1024, true));
    AURORA_TRY(email, CheckEmail(email_text, "email"));
    if (email != before.email) return Invalid("email", "is immutable: create a new user instead");
  }
  if (expected && *expected != before.version) {
    return Error{ErrorCode::kConflict, "version mismatch: the user is at version " + std::to_string(before.version),
                 "version"};
  }
  store::UserRecord after = before;
  if (name) after.name = *name;
  if (role) after.role = *role;
  if (disabled) after.disabled = *disabled;
  if (password) after.password_hash = *password;
  AURORA_CHECK(KeepAnAdmin(*tx, before, after.role == "admin" && !after.disabled));
  const std::int64_t now = ToMicros(clock_.Now());
  after.version = before.version + 1;
  after.updated_at = now;
  AURORA_CHECK(Fail(store::UpdateUser(*tx, after, before.version), ErrorCode::kConflict, "the user changed meanwhile"));
  if (password || (after.disabled && !before.disabled) || after.role != before.role) {
    // Anything that narrows what the user may do ends their sessions at once.
    AURORA_CHECK(store::RevokeUserSessions(*tx, id, now));
  }
  nlohmann::json after_view = AuditView(after);
  if (password) after_view["passwordChanged"] = true;
  AURORA_CHECK(Audit(*tx, now, actor, "update", id, AuditView(before), after_view));
  AURORA_CHECK((*tx).Commit());
  return UserJson(after);
}

Result<void> UserService::Delete(std::int64_t id, const std::string& actor) {
  AURORA_TRY(tx, db_.Begin(true));
  AURORA_CHECK(store::LockRevision(*tx));
  AURORA_TRY(found, store::GetUser(*tx, id));
  if (!found) return Error{ErrorCode::kNotFound, "user " + std::to_string(id) + " not found"};
  AURORA_CHECK(KeepAnAdmin(*tx, *found, false));
  const std::int64_t now = ToMicros(clock_.Now());
  AURORA_CHECK(store::DeleteUser(*tx, id));
  AURORA_CHECK(Audit(*tx, now, actor, "delete", id, AuditView(*found), std::nullopt));
  return (*tx).Commit();
}

Result<void> UserService::ChangePassword(const SessionUser& user, std::string_view current, const std::string& next) {
  AURORA_CHECK(CheckPassword(next, "newPassword"));
  std::optional<store::UserRecord> found;
  {
    AURORA_TRY(tx, db_.Begin(false));
    AURORA_TRY(u, store::GetUser(*tx, user.user_id));
    found = std::move(u);
  }
  if (!found || !found->password_hash || !VerifyPassword(current, *found->password_hash)) {
    return Invalid("currentPassword", "does not match");
  }
  const std::string hash = HashPassword(next, policy_.cost);
  AURORA_TRY(tx, db_.Begin(true));
  AURORA_CHECK(store::LockRevision(*tx));
  AURORA_TRY(again, store::GetUser(*tx, user.user_id));
  if (!again || again->version != found->version) return Error{ErrorCode::kConflict, "the user changed meanwhile"};
  store::UserRecord after = *again;
  const std::int64_t now = ToMicros(clock_.Now());
  after.password_hash = hash;
  after.version += 1;
  after.updated_at = now;
  AURORA_CHECK(Fail(store::UpdateUser(*tx, after, again->version), ErrorCode::kConflict, "the user changed meanwhile"));
  // Every other session ends; the one asking stays signed in.
  AURORA_CHECK(store::RevokeUserSessions(*tx, user.user_id, now, user.token_hash));
  nlohmann::json after_view = AuditView(after);
  after_view["passwordChanged"] = true;
  AURORA_CHECK(Audit(*tx, now, user.Actor(), "update", after.id, AuditView(*again), after_view));
  return (*tx).Commit();
}

LoginOutcome UserService::Login(std::string_view email_text, std::string_view password, const std::string& address) {
  LoginOutcome out;
  const std::int64_t now = ToMicros(clock_.Now());
  const std::int64_t window = std::chrono::duration_cast<std::chrono::microseconds>(policy_.failure_window).count();
  // A malformed email is refused like an unknown one, after the same work.
  auto email = CheckEmail(email_text, "email");
  const std::string account_subject = "email:" + (email ? *email : std::string(email_text.substr(0, 254)));
  const std::string address_subject = "address:" + address;

  std::optional<store::UserRecord> user;
  {
    auto tx = db_.Begin(false);
    if (!tx) return out;
    for (const std::string* subject : {&account_subject, &address_subject}) {
      auto failures = store::CountLoginFailures(**tx, *subject, now - window);
      if (!failures) return out;
      if (failures->count >= policy_.max_failures) {
        out.status = LoginOutcome::Status::kThrottled;
        const std::int64_t wait = failures->oldest + window - now;
        out.retry_after = std::chrono::seconds(std::max<std::int64_t>(1, (wait + 999'999) / 1'000'000));
        return out;
      }
    }
    if (email) {
      auto found = store::GetUserByEmail(**tx, *email);
      if (!found) return out;
      user = std::move(*found);
    }
  }
  // Exactly one Argon2id verification whatever the account: unknown, disabled and passwordless
  // accounts are checked against a dummy hash of the same cost.
  const bool usable = user && !user->disabled && user->password_hash;
  const bool matches = VerifyPassword(password, usable ? *user->password_hash : dummy_hash_);
  if (usable && matches) {
    auto started = StartSession(*user);
    if (!started) return out;
    {
      auto tx = db_.Begin(true);
      if (tx) {
        (void)store::ClearLoginFailures(**tx, account_subject);
        (void)(*tx)->Commit();
      }
    }
    return std::move(*started);
  }
  auto tx = db_.Begin(true);
  if (tx) {
    (void)store::PruneLoginFailures(**tx, now - window);
    (void)store::RecordLoginFailure(**tx, account_subject, now);
    (void)store::RecordLoginFailure(**tx, address_subject, now);
    (void)(*tx)->Commit();
  }
  return out;
}

Result<LoginOutcome> UserService::SignInExternal(const std::string& email_text, const std::string& name,
                                                 std::optional<Role> role, const std::string& actor) {
  AURORA_TRY(email, CheckEmail(email_text, "email"));
  store::UserRecord user;
  {
    AURORA_TRY(tx, db_.Begin(true));
    AURORA_CHECK(store::LockRevision(*tx));
    AURORA_TRY(found, store::GetUserByEmail(*tx, email));
    const std::int64_t now = ToMicros(clock_.Now());
    if (!found) {
      user.email = email;
      std::size_t cut = std::min(name.size(), kMaxNameLength);
      while (cut > 0 && cut < name.size() && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
      user.name = name.substr(0, cut);  // whole UTF-8 characters only
      user.role = RoleName(role.value_or(Role::kViewer));
      user.created_at = user.updated_at = now;
      AURORA_CHECK(store::InsertUser(*tx, user));
      AURORA_CHECK(Audit(*tx, now, actor, "create", user.id, std::nullopt, AuditView(user)));
    } else {
      user = *found;
      if (user.disabled) return Error{ErrorCode::kConflict, "this account is disabled"};
      if (role && user.role != RoleName(*role)) {
        const store::UserRecord before = user;
        AURORA_CHECK(KeepAnAdmin(*tx, before, *role == Role::kAdmin));
        user.role = RoleName(*role);
        user.version += 1;
        user.updated_at = now;
        AURORA_CHECK(Fail(store::UpdateUser(*tx, user, before.version), ErrorCode::kConflict, "the user changed meanwhile"));
        AURORA_CHECK(store::RevokeUserSessions(*tx, user.id, now));
        AURORA_CHECK(Audit(*tx, now, actor, "update", user.id, AuditView(before), AuditView(user)));
      }
    }
    AURORA_CHECK((*tx).Commit());
  }
  return StartSession(user);
}

Result<LoginOutcome> UserService::StartSession(const store::UserRecord& user) {
  LoginOutcome out;
  out.status = LoginOutcome::Status::kSignedIn;
  out.token = RandomHex(kTokenBytes);
  const std::int64_t now = ToMicros(clock_.Now());
  store::SessionRecord s;
  s.token_hash = Sha256Hex(out.token);
  s.user_id = user.id;
  s.csrf_token = RandomHex(kTokenBytes);
  s.created_at = s.last_seen_at = now;
  AURORA_TRY(tx, db_.Begin(true));
  // Housekeeping: sessions past their absolute lifetime can go.
  AURORA_CHECK(store::PruneSessions(
      *tx, now - std::chrono::duration_cast<std::chrono::microseconds>(policy_.absolute).count()));
  AURORA_CHECK(store::InsertSession(*tx, s));
  AURORA_CHECK(store::TouchUserLogin(*tx, user.id, now));
  AURORA_CHECK((*tx).Commit());
  out.user = SessionUser{user.id, user.email, user.name, ParseRole(user.role).value_or(Role::kViewer), s.csrf_token,
                         s.token_hash};
  return out;
}

std::optional<SessionUser> UserService::Authenticate(std::string_view token) {
  if (token.size() != kTokenBytes * 2) return std::nullopt;
  const std::string hash = Sha256Hex(token);
  const std::int64_t now = ToMicros(clock_.Now());
  std::optional<store::SessionRecord> session;
  std::optional<store::UserRecord> user;
  {
    auto tx = db_.Begin(false);
    if (!tx) return std::nullopt;
    auto s = store::GetSession(**tx, hash);
    if (!s || !*s) return std::nullopt;
    session = std::move(**s);
    auto u = store::GetUser(**tx, session->user_id);
    if (!u || !*u) return std::nullopt;
    user = std::move(**u);
  }
  using std::chrono::duration_cast;
  using std::chrono::microseconds;
  if (session->revoked_at || user->disabled) return std::nullopt;
  if (now - session->created_at >= duration_cast<microseconds>(policy_.absolute).count()) return std::nullopt;
  if (now - session->last_seen_at >= duration_cast<microseconds>(policy_.idle).count()) return std::nullopt;
  const std::int64_t touch_every =
      std::min<std::int64_t>(kTouchEveryMicros, duration_cast<microseconds>(policy_.idle).count() / 10);
  if (now - session->last_seen_at >= touch_every) {
    if (auto tx = db_.Begin(true)) {
      (void)store::TouchSession(**tx, hash, now);
      (void)(*tx)->Commit();
    }
  }
  return SessionUser{user->id, user->email, user->name, ParseRole(user->role).value_or(Role::kViewer),
                     session->csrf_token, hash};
}

Result<void> UserService::Logout(const SessionUser& user) {
  AURORA_TRY(tx, db_.Begin(true));
  AURORA_CHECK(store::RevokeSession(*tx, user.token_hash, ToMicros(clock_.Now())));
  return (*tx).Commit();
}

Result<std::optional<std::string>> UserService::IssueSetupTokenIfNoUser() {
  AURORA_TRY(tx, db_.Begin(true));
  AURORA_CHECK(store::LockRevision(*tx));
  AURORA_TRY(users, store::CountUsers(*tx));
  if (users > 0) return std::optional<std::string>();
  const std::string token = RandomHex(kTokenBytes);
  const std::int64_t now = ToMicros(clock_.Now());
  AURORA_CHECK(store::InsertSetupToken(
      *tx, Sha256Hex(token), now,
      now + std::chrono::duration_cast<std::chrono::microseconds>(policy_.setup_token_lifetime).count()));
  AURORA_CHECK((*tx).Commit());
  return std::optional<std::string>(token);
}

Result<LoginOutcome> UserService::CompleteSetup(const nlohmann::json& body) {
  const BodyReader r(body, "");
  AURORA_CHECK(r.Expect({"token", "email", "name", "password"}));
  AURORA_TRY(token, r.String("token", 256, true));
  AURORA_TRY(email_text, r.String("email", 1024, true));
  AURORA_TRY(email, CheckEmail(email_text, "email"));
  AURORA_TRY(name, r.String("name", kMaxNameLength, false));
  AURORA_TRY(password, r.String("password", 4096, true));
  AURORA_CHECK(CheckPassword(password, "password"));
  const std::string hash = HashPassword(password, policy_.cost);

  store::UserRecord u;
  {
    AURORA_TRY(tx, db_.Begin(true));
    AURORA_CHECK(store::LockRevision(*tx));
    const std::int64_t now = ToMicros(clock_.Now());
    AURORA_TRY(users, store::CountUsers(*tx));
    AURORA_TRY(consumed, store::ConsumeSetupToken(*tx, Sha256Hex(token), now));
    if (users > 0 || !consumed) {
      return Invalid("token", "this setup link is unknown, used or expired; sign in, or ask an admin for an account");
    }
    u.email = email;
    u.name = name;
    u.role = "admin";
    u.password_hash = hash;
    u.created_at = u.updated_at = now;
    AURORA_CHECK(store::InsertUser(*tx, u));
    AURORA_CHECK(Audit(*tx, now, "setup", "create", u.id, std::nullopt, AuditView(u)));
    AURORA_CHECK((*tx).Commit());
  }
  return StartSession(u);
}

}  // namespace aurora::server
