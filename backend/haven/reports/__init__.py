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
  audit row's time or a log line's place among timed lines would date them. Requests to
  /api/v1/anonymous/* and /follow-report, and requests carrying a (verified) report-session
  token, leave no access-log line at all.
- Receipt look-ups: constant-time-ish (the same argon2 work on every failure) with a uniform
  401, throttled in memory per locator and per process, never by address.
- On SQLite the tables written on the anonymous path are WITHOUT ROWID (physical order is
  the random key, not the order of insertion).
- Every submission (anonymous ones too) and every triage change that moves a report adds
  to ``report_week_counts`` (one row per week of the event and department, one count per
  kind, category and harm), in the same transaction: insights read these instead of
  grouping the reports. The rows hold counts only, nothing of who or when beyond the week
  (the anonymity tests check them), and are WITHOUT ROWID too.

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
