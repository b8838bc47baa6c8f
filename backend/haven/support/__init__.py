"""Peer support: "Nobody goes through it alone" (DESIGN.md, "Peer support").

Owns the crisis resources, the supporter roster (training, capacity, on-call windows, pause),
support requests (for self, referral, outreach) with Scott's three tiers, matching and
assignment, response targets, encounters with the optional private note, follow-ups,
anonymous feedback, proactive outreach tasks, program figures, and the periodic jobs that
re-offer, surface and purge. Each concern has a module of its own (``roster``, ``matching``,
``assignment``, ``requests``, ``views``, ``encounters``, ...); :mod:`service` lists them
and is the face the router and the other domains import.

The wall (the invariant everything here serves)
    A support request, its encounters, follow-ups, notes and feedback, and outreach tasks
    are readable only by the requester, the assigned supporter and, for operational fields
    only (status, tier, urgency, assignment, timestamps, the requester's department for
    matching), the support coordinator. :func:`policy.view_for` decides the shape; anyone
    else gets 404 (never 403, so existence does not leak), before If-Match or any other
    check is looked at. Each shape is a response model of its own (``schemas``:
    ``RequesterRequestRead``, ``SupporterRequestRead``, ``CoordinatorRequestRead``, a union
    discriminated on ``view``), built in :mod:`views`: the coordinator's has no field for
    contact details, preferred times or the requester's name, so no forgotten condition can
    leak them. No API-key scope, export or other domain reads support records: other
    domains get only :func:`service.weekly_figures` and :func:`service.release_figures`
    (aggregates, for insights) and the roster (:func:`service.list_supporters`, to alert
    supporters to a hotspot), and may call :func:`service.offer_outreach` and
    :func:`service.request_support_on_consent`.
    ``tests/support/test_wall.py`` walks every route of the application with every role.

Who may call
    staff-type roles ask for support and read their own requests; ``peer_supporter`` works
    the requests assigned to them; ``support_coordinator`` runs the roster, the board,
    assignment, outreach and the figures (never contact details, never notes); ``admin``
    sets the crisis resources; the resources are public (no sign-in), as DESIGN.md asks.

Design decisions
    * Quiet (``router.quiet``; README, "Logs"): every route under /api/v1/support, the public
      crisis resources included, and the web client's /support and /help pages write no
      access-log line, and audit rows written while serving them carry no request id. A
      timed log line would say who uses support, and when; a request id shared by a log line
      and an audit row would join the two.
    * Audit pseudonyms. Every access by a supporter or the coordinator is audited with
      that actor, but the audit row's ``object_id`` is :func:`notes.audit_ref` — an HMAC
      of the record's id under ``HAVEN_SUPPORT_AUDIT_PSEUDONYM_KEY`` — not the id itself.
      The key is its own (never stored; outside production it defaults to an HKDF
      derivation of the secret key under a label of its own, and production refuses to
      start without it), so rotating the token signing key renames no support record in
      the audit log. The auditor can follow one case (the coordinator's view shows its
      ``audit_ref``) without the audit listing ever containing a support record's id. The
      requester's own actions are recorded as ``support_requester`` with no actor id, so no
      listing joins a person to a request; giving feedback writes no audit row at all
      (:mod:`auditing`).
    * Outreach without a link to the report. ``offer_outreach`` takes an optional opaque
      ``event_key``; the reports side passes an HMAC of the report id (so support never
      sees a report id). A task stores neither: :class:`models.OutreachKey` keeps only
      sha256(event key, person) with an expiry (``HAVEN_SUPPORT_OUTREACH_KEY_DAYS``), in a
      table that names no task and no status, so naming the same staff again creates no
      second task while nothing stored says whether an offer was taken or declined. Without
      a key, a person's open task absorbs the new involved staff instead of being
      duplicated. The function returns None whatever happened, and decided tasks lose
      their person at the retention purge.
    * Accepted outreach becomes a request for that person with the event's involved staff
      copied into ``excluded_user_ids`` (matching reason ``involved_in_event``); the task
      keeps no link to the request.
    * Referrals: the referred colleague is the requester (they see it under "my requests");
      the referrer gets an acknowledgement without the request's id and never sees it
      again; ``referrer_id`` is stored only to be purged.
    * Matching (:func:`policy.match_supporters`) is pure. Hard rules: not the requester,
      not the coordinator assigning, not someone who leads the requester's department (a
      supporter holding department_lead with that department), not an account holding a
      combination the separation of roles forbids (older data only; such accounts cannot
      join the roster either), active (roster, account and role), not paused, trained and
      in date, not involved in the event, not already passed over, not the requester's
      department when asked, not also a coordinator, under capacity, on call now. Ranked by
      preference fit (profession, language), then lowest open caseload, then name. The
      coordinator may override by hand only the soft rules (capacity, on call, paused,
      already offered, and "also a coordinator": a supporter who also coordinates is never
      picked by matching, the jobs or outreach, since they could steer it to themself by
      pausing the others, but another coordinator may assign them by hand). Nobody assigns
      a request to themself. Every rule is checked for every supporter
      (:func:`policy.exclusion_reasons`), so a soft rule never hides a hard one: a paused
      supporter who is also untrained, out of date, involved in the event or from the
      requester's own department (when asked) is refused by hand too, and the hard reason is
      the one reported (in the candidates list and the 422).
    * Response targets: ``due_at`` is fixed at creation (the metric). ``offer_expires_at``
      is the current supporter's deadline; when it passes without first contact the job
      passes them over and offers the request to the next eligible supporter (or, if none,
      leaves it and retries one target-interval later). Overdue requests are flagged to
      the coordinators once.
    * The private note is off unless ``HAVEN_SUPPORT_PRIVATE_NOTES`` is set, and then
      sealed like all free text (below), bound to its encounter and its author, returned
      only to its author (in lists: the answer to logging it never carries it, since that
      answer may be stored a day for idempotent replays), purged with its key after
      ``HAVEN_SUPPORT_NOTE_DAYS`` (30 at most). ``HAVEN_SUPPORT_NOTE_KEY`` is no longer
      used except by migration 0011, which re-sealed the notes made under it.
    * Retention: closed requests older than ``HAVEN_SUPPORT_RETENTION_DAYS`` lose requester,
      referrer, supporter, contact details, free text, language, involved staff and notes;
      department, profession, urgency, tier, channel, timestamps and outcomes stay. The
      ``first_in_week`` bit lets insights count distinct people after the purge. Creating
      a request returns no contact details, and the jobs delete expired idempotency
      records, so no stored response keeps them either. A feedback comment is purged the
      same number of days after the day it was given (coordinators only ever read comments
      among at least ``HAVEN_SUPPORT_FEEDBACK_MIN_ANSWERS`` answers, and a summary over an
      older period shows the scores without them); the score and the day stay.
    * Purge means gone (crypto-shredding, :mod:`sealing`). Every free-text field (contact
      details, preferred times, the private note, the feedback comment; the other text
      columns hold codes: statuses, channels, language tags) is stored only as AES-256-GCM
      ciphertext under the record's own random data key, with the record's id and the
      field's name bound in. The key lives apart from the row in ``support_record_keys``,
      wrapped under ``HAVEN_SUPPORT_RECORD_KEY`` (never stored; outside production it
      defaults to an HKDF derivation of the secret key, production refuses to start
      without it). Purging deletes the key row, so copies of the ciphertext in free pages,
      the WAL or old backups stay unreadable for good. SQLite also runs with
      ``secure_delete`` and checkpoints (``TRUNCATE``) its WAL after every purge that
      removed a key, so nothing of the record, wrapped key included, is left in its files;
      on PostgreSQL an old version of the wrapped key can survive in the heap or WAL until
      vacuumed and recycled, which is what KEK rotation (``haven support rewrap-keys``)
      makes useless. Proved on the files themselves in ``tests/support/test_shredding.py``.
    * Notifications say only "You have a new support request" (and similar), link to a
      page, never to a record, and go to supporters and coordinators only: the requester's
      inbox never shows that they asked.
    * Concurrency: the jobs in :data:`service.PERIODIC_JOBS` claim rows with
      ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and take SQLite's write lock before reading;
      user changes race them through the version column (412).
"""
