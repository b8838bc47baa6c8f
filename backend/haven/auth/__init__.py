"""Auth: who people and service accounts are, and how they prove it.

Owns users (email, display name, roles, department id, profession, active flag, argon2id
password hash), refresh tokens (opaque, SHA-256 stored, rotated on every use, reuse
revokes the whole family), sign-in throttling and lockout, and API keys for service
accounts (``hvn_<prefix>_<secret>``, SHA-256 stored, scopes, revocable).

Access tokens are 15-minute HS256 JWTs (``aud=haven-api``). The principal is resolved
once per request from the Bearer header and carries roles or scopes; every route declares
its rule with :func:`haven.auth.deps.Allow` or :data:`haven.auth.deps.Public`.

Decision: sign-in failures are throttled per email in memory (same answer whether the
account exists or not) and, for existing accounts, locked in the database (holds across
processes). There is no per-address throttle: a hospital's staff often share one NAT address.
"""
