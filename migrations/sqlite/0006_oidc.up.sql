-- OpenID Connect sign-ins in progress (docs/security.md): the state (as SHA-256), the nonce and
-- the PKCE verifier of each, kept until the callback spends it or it expires.
CREATE TABLE oidc_logins (
  state_hash TEXT PRIMARY KEY,
  nonce TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
