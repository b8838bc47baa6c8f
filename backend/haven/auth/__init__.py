"""Auth: who people and service accounts are, and how they prove it.

Owns users (email, display name, roles, department id, profession, active flag, argon2id
password hash), refresh tokens (opaque, SHA-256 stored, rotated on every use, reuse
revokes the whole family), growing delays of failed sign-ins (never a lockout), reset
links, second factors (TOTP) with recovery codes, and API keys for service
accounts (``hvn_<prefix>_<secret>``, SHA-256 stored, scopes, a state, revocable).

Access tokens are 15-minute HS256 JWTs (``aud=haven-api``). The principal is resolved
once per request from the Bearer header and carries roles or scopes; every route declares
its rule with :func:`haven.auth.deps.Allow` or :data:`haven.auth.deps.Public`.

Endpoints: ``/auth`` (sign-in, refresh, sign-out; public) and, for admins, ``/api-keys``:
create, list (``?status=pending``), read, confirm, reject, cancel and revoke; a key that
reads content waits for a second administrator (below).

The rules live by concern (:mod:`haven.auth.service` lists them and is what others import):
``sign_in`` (the password check, tokens), ``principals`` (who a bearer token is), ``users``,
``roles`` (roles held, combinations, their audit), ``role_grants`` and ``api_keys``.

Single sign-on (OpenID Connect, on when ``HAVEN_OIDC_ISSUER`` is set): ``oidc`` (the
authorization code flow with PKCE, run by the server; the flow's state in a signed,
HttpOnly, SameSite=Lax cookie), ``id_tokens`` (the id token verified against the provider's
published keys), ``identities`` (the account an (issuer, subject) signs in to: linked,
matched by SCIM external id or verified email, or created just in time from
``HAVEN_OIDC_ROLE_MAP``), ``methods`` (password and/or single sign-on;
``HAVEN_PASSWORD_SIGN_IN=false``). Routes: ``/auth/methods``, ``/auth/oidc/start``,
``/auth/oidc/callback`` (:mod:`haven.auth.routes.oidc`); ``/auth/token`` also takes
``grant_type=refresh_token``. Decision: a privileged role the role map names is not granted
at once at a first sign-in but becomes a grant proposed by single sign-on
(``proposed_by_id`` null) that any administrator other than the person confirms, so that
whoever manages the directory's groups is never alone in giving one (details in
:mod:`haven.auth.identities`). Signing in through the provider leaves the second factor to it.

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
* The ``scim`` scope (SCIM provisioning) waits for a second administrator too
  (:data:`policy.SECOND_ADMIN_SCOPES`): it reads and changes people, can deactivate every
  administrator, and asks for privileged roles. A directory (a SCIM client, the CSV import)
  acts for an administrator, the proposer of the grants it asks for, never around the rules
  above: see :mod:`haven.auth.directory`.

Sessions end at once, in every process (:mod:`haven.auth.sessions`). An access token carries
the account's ``session_epoch``; deactivating a person (by an administrator, SCIM, the import)
or a directory's delete revokes their refresh tokens and bumps the epoch, and every request
checks the epoch and the active flag in the database. Decision: the principal cache keeps
roles for a few seconds, but never hides an ended session: a person seen moments ago costs
one primary-key read inside the request's own hop to the database (deferred there by
:func:`haven.auth.deps.current_principal`; before the endpoint runs, and nothing the request
did is committed if it fails), so there is no extra trip to the worker threads.

Passwords (when on): ``passwords`` (policy by length, a person's change, reset links an
administrator has emailed, unlock), ``totp`` (the second factor, required for privileged
roles by ``HAVEN_AUTH_TOTP_REQUIRED``), and their routes in :mod:`haven.auth.routes.sign_in`
(the password step's delays, the code step, the reset link's new password) and
:mod:`haven.auth.routes.account` (``/auth/password``, ``/auth/totp...``,
``/users/{user_id}/password-reset``, ``/users/{user_id}/unlock``). A browser's cross-site post
to a sign-in endpoint is refused (login CSRF) and a browser never gets a refresh token in a
body: :mod:`haven.auth.routes.guards`.

Decision: failed sign-ins slow whoever fails and lock nobody out. There is no stored
lockout any more (five failures by anyone, from anywhere, used to lock the person out for 15
minutes: a lever for a stranger). Two growing delays, in each process's memory under the
rotating client key of haven.core.limits (no address is stored or logged): per client and
account (``HAVEN_AUTH_FREE_FAILURES`` failures to one email from one client, then waits of
``HAVEN_AUTH_FIRST_DELAY_SECONDS`` doubling up to the window; cleared by the right password,
and by an administrator's unlock in every process through the account's
``sign_in_delay_epoch``), and per client whatever the emails (``HAVEN_LIMITS_SIGN_IN_FAILURES``,
against spraying; one failure forgotten every window / that count). An unknown email is
delayed exactly like an account, so the answer never hints which exists. Besides, every
attempt uses one of ``HAVEN_LIMITS_SIGN_INS`` per client (each costs an argon2 verification),
and the verification waits in the bounded argon2 queue (503 at once when full; not counted as
a failure). The price of keeping it in memory: a restart forgets the delays, and a client
whose requests a load balancer spreads over N processes gets up to N times the free
failures; the figures (guesses per account-hour) are in README, "Passwords".
"""
