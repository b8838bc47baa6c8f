"""Reports: "report without fear". Safety events (incidents, near misses, unsafe conditions,
good catches), their triage and workflow, the message thread with the reporter, just-culture
reviews and the lessons on the learning feed.

Owns: reports (AHRQ category and harm, NCC MERP index for medication events, contributing
factors), report messages, involved staff and high-risk flags, just-culture reviews and
their revisions, organisation subcategories, lessons.

Invariants
- Modes: ``named`` (safety officers and the department's lead see the reporter),
  ``confidential`` (safety officers only), ``anonymous`` (nothing identifying is stored).
- Workflow: submitted -> triaged -> under_review -> action_planned -> closed, and
  submitted|triaged -> not_actionable (with a reason the reporter sees); anything else 409.
  Every change needs If-Match (412 stale, 428 missing) and is audited.
- Every read of a report by anyone but its own reporter is audited (the row names the
  reader); the list view carries no reporter identity, so it is not.
- The just-culture outcome letter is computed by :mod:`haven.reports.justculture`, never typed.

Anonymity (see tests/reports/test_anonymity.py, which proves each point)
- :func:`service.submit_anonymous_report` takes no principal: no user id, address, user
  agent or request id can reach the row. The row's only date is ``submitted_on`` (the day);
  its id is a random UUID; the receipt (20 Crockford base32 characters, 100 bits) is stored
  as a 4-character locator plus an argon2id hash, never in clear.
- No audit row, idempotency record or log line is written for anonymous submissions, for
  receipt exchanges or for the anonymous reporter's messages (which keep only the day): an
  audit row's time or a log line's place among timed lines would date them. This domain
  declares its quiet routes (``router.quiet``, see :class:`haven.core.http.QuietRoutes`):
  /api/v1/anonymous/*, any request carrying a (verified) report-session token, and the web
  client's /report-anonymously and /follow-report pages. They leave no access-log line at
  all, keep no request id (nor a caller's X-Request-ID), and any other line logged while
  serving them keeps only the day. The access log names no person and, by default, no
  address anywhere (README, "Logs").
- The anonymous report page takes its form's data (active departments and subcategories,
  whether an account is needed) from ``GET /anonymous/form``, not from signed-in endpoints,
  and sends the report without cookie or token; while it is shown the web client makes no
  signed-in request (no refresh, no background call), and opened directly it does not
  restore the session. Where the organisation takes anonymous reports from signed-in people
  only, the form and the submission carry the person's current access token (never renewed
  there): ``deps.anonymous_gate`` checks it and forgets it. ``frontend/e2e/logs.spec.ts`` proves
  in Chromium that a signed-in person's anonymous report, and following it, add no line to
  the server's log.
- Receipt look-ups: constant-time-ish (the same argon2 work on every failure) with a uniform
  401. The right receipt always opens its report: nothing anyone else does to its locator
  can lock the reporter out (there is no process-wide bucket any more: one client's 190 bad
  receipts used to make every reporter's follow-up answer 429). Failures are counted per
  client (``HAVEN_LIMITS_RECEIPT_FAILURES`` per window, then 429) and per locator (over
  ``HAVEN_REPORTS_RECEIPT_FAILURES_PER_MINUTE``, the locator is *hot*, and each further
  failure there costs the failing client a whole window: one guess per address per window).
- Flood resistance (haven.core.limits, tests/reports/test_flood.py): submissions, receipt
  exchanges and the reporter's messages are limited per client, in this process's memory
  only. The router counts them, by HMAC of the connection's address (or, behind a trusted
  proxy, the forwarded one) under a random key that lives in memory for one window and is
  then replaced: no address, key or digest is stored, logged, or passed to the service, and
  a client is forgotten within two windows of its last request. Over the limit: 429 with
  ``Retry-After``. The argon2 work (receipt hashing and checking) waits in one bounded
  queue per process; when it is full the answer is 503 at once, nothing is stored, and the
  client's allowance is given back. Residual: clients behind one address (a ward's NAT, a
  reverse proxy not listed in ``HAVEN_LIMITS_TRUSTED_PROXIES``) share one allowance, and
  an attacker with many addresses gets many allowances; the bounded queue still caps what
  they cost, and the hospital's proxy should add limits of its own (README).
- On SQLite the tables written on the anonymous path are WITHOUT ROWID (physical order is
  the random key, not the order of insertion).
- Insights read reports only through :func:`figures.release_counts`: counts per week the
  reports arrived in (not the week of the event), taken once when insights release that
  week, reporters told apart by a number local to one answer but never named.

Where each rule lives (submission, fields, receipts, reading, triage, involved staff,
messages, reviews, lessons, subcategories, figures): the list at the top of
:mod:`haven.reports.service`, the face the router and other domains call.

Residual risk (documented, not solved here): on PostgreSQL the heap order and transaction
ids of rows still reflect insertion order, so someone with superuser access to the live
database could place an anonymous report between audited events of the same day. Operators
who need more can restrict superuser access and run ``CLUSTER reports USING pk_reports``
periodically.

Who may call: staff (any member-of-staff role) submit and read their own reports; safety
officers triage, review, message and publish lessons; department leads read their
department's reports; service accounts with ``reports:write``/``reports:read`` submit and
read without ever seeing an identity; the holder of a receipt follows that one report.
"""
