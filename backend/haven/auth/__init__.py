"""Auth: who people and service accounts are, and how they prove it.

Owns users (email, display name, roles, department id, profession, active flag, argon2id
password hash), refresh tokens (opaque, SHA-256 stored, rotated on every use, reuse
revokes the whole family), sign-in throttling and lockout, and API keys for service
accounts (``hvn_<prefix>_<secret>``, SHA-256 stored, scopes, a state, revocable).

Access tokens are 15-minute HS256 JWTs (``aud=haven-api``). The principal is resolved
once per request from the Bearer header and carries roles or scopes; every route declares
its rule with :func:`haven.auth.deps.Allow` or :data:`haven.auth.deps.Public`.

Endpoints: ``/auth`` (sign-in, refresh, sign-out; public) and, for admins, ``/api-keys``:
create, list (``?status=pending``), read, confirm, reject, cancel and revoke; a key that
reads content waits for a second administrator (below).

The rules live by concern (:mod:`haven.auth.service` lists them and is what others import):
``sign_in`` (passwords, throttle, tokens), ``principals`` (who a bearer token is), ``users``,
``roles`` (roles held, combinations, their audit), ``role_grants`` and ``api_keys``.

The separation of roles (DESIGN.md; pure rules in :mod:`haven.auth.policy`, applied by
:mod:`haven.auth.users`, :mod:`haven.auth.role_grants` and :mod:`haven.auth.api_keys`):

* Nobody changes their own roles, nor, holding department_lead, their own department (a
  lead's department is what they lead): 403 ``own-roles`` with a field error on ``roles``.
  Sending one's unchanged roles along with other fields is not a change.
* Forbidden combinations: any of safety_officer, department_lead, admin, auditor together
  with support_coordinator or peer_supporter. Refused (422 ``role-combination``, field
  ``roles``) on create, update (counting roles still pending), confirmation and the operator
  command line; ``haven users check-roles`` lists accounts older than the rule.
* Two-person rule: adding admin, auditor, safety_officer, support_coordinator or
  department_lead through the API (create or update), and moving a lead to another
  department, does not take effect: it becomes a :class:`models.RoleGrant` (``pending``)
  that another administrator confirms (neither the proposer nor the person; their admin
  role and active account are re-read from the database, not taken from the cached
  principal). Confirmation re-checks everything against the account as it is then: still
  active, the proposer still an active admin, the department a lead grant names still the
  person's (else 409), and the combination (422). The proposer may cancel, another admin
  may reject; one pending grant per person (409 ``role-grant-pending``); grants expire
  after ``HAVEN_AUTH_ROLE_GRANT_DAYS`` (7; the periodic job marks them, and a confirmation
  that finds one expired marks it and answers 409). Removals and staff/peer_supporter apply
  at once; a person may be left with no role while their grant waits.
* ``actor=None`` is the operator (``haven create-user``, who holds the database's
  credentials: the bootstrap and break-glass path) or the demo seed: roles apply at once,
  combinations are still refused, and the audit log names the system actor.
* Every role change is an audit row on the person (``object_type="user"``) whose
  ``detail`` holds ``roles_before`` and ``roles_after`` (the roles actually held before and
  after that event) and, for grants, ``grant_id``, ``grant_roles`` and the lead's
  ``grant_department_id``: ``user.created``, ``user.roles_changed``,
  ``user.role_grant_proposed|confirmed|rejected|cancelled|expired``.
* API keys that read content follow the same two-person rule. A key with a scope in
  :data:`policy.CONTENT_SCOPES` (``reports:read``, ``fhir:read``: reports, and reports as FHIR
  resources) would let one administrator read what no administrator may, so it is created
  ``pending`` and authenticates only once another administrator (not its creator, re-read as
  an active admin) confirms it, with If-Match on the key's version; the creator may cancel,
  another admin may reject, and it expires after ``HAVEN_AUTH_ROLE_GRANT_DAYS`` (the periodic
  job ``api_keys_expired``, or the confirmation that finds it late). Decision: the secret is
  made and shown at creation, once, to the creator, and is refused (401, said only to the
  holder of the whole secret) while pending; it is not issued at confirmation. The creator
  is the one who asked for the key and installs it, so the usual maker-checker split holds:
  the confirming administrator approves, never holds the secret, and cannot use what they
  approved; the creator holds it and cannot approve it. Issuing at confirmation would hand
  the secret to the approver (or need a third step to fetch it), and keys stored before
  this rule (migration 0014 puts those with a content scope on hold) keep their secret.
  Confirmation refuses (409) a key whose creator is no longer an active admin, since they
  hold its secret. Write-only keys (``reports:write``, ``staffing:write``) are ``active`` at
  once. Any admin revokes any key at once (it only removes access). Every step is an audit
  row on the key whose ``detail`` holds ``scopes`` and ``status``, never the secret nor the
  name: ``api_key.created|confirmed|rejected|cancelled|expired|revoked``. ``last_used_at`` is
  written past the ORM, so use does not move the version an If-Match names.
* Residual risk, by design: an administrator who creates an account knows its initial
  password; the confirming administrator vouches that the account is the person's. Two
  administrators acting together can still make a key that reads reports: the rule makes
  it take two, and the audit log names both.

Decision: sign-in failures are counted per email (stored as SHA-256 in ``sign_in_throttle``)
whether or not the account exists, so the answer never hints which, in every process and
across restarts. No address is stored for it: a hospital's staff often share one NAT
address. What does count per client is every sign-in attempt, in memory only
(``HAVEN_LIMITS_SIGN_INS`` per window, default 20 per 10 minutes; haven.core.limits): each
costs an argon2 verification, account or not, and spraying one password over many emails
never trips the per-email lockout. The default leaves a shared workstation room for a shift
change; where the whole hospital reaches Haven through one address, list its proxy in
``HAVEN_LIMITS_TRUSTED_PROXIES`` or raise the count. The verification itself waits in the
bounded argon2 queue (503 at once when full; the attempt is then not counted as a failure).
"""
