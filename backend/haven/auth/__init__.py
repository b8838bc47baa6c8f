"""Auth: who people and service accounts are, and how they prove it.

Owns users (email, display name, roles, department id, profession, active flag, argon2id
password hash), refresh tokens (opaque, SHA-256 stored, rotated on every use, reuse
revokes the whole family), sign-in throttling and lockout, and API keys for service
accounts (``hvn_<prefix>_<secret>``, SHA-256 stored, scopes, revocable).

Access tokens are 15-minute HS256 JWTs (``aud=haven-api``). The principal is resolved
once per request from the Bearer header and carries roles or scopes; every route declares
its rule with :func:`haven.auth.deps.Allow` or :data:`haven.auth.deps.Public`.

Decision: sign-in failures are counted per email (stored as SHA-256 in ``sign_in_throttle``)
whether or not the account exists, so the answer never hints which, in every process and
across restarts. There is no per-address throttle: a hospital's staff often share one NAT
address.
"""
