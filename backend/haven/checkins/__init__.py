"""Check-ins and staffing: the two inputs to "see where support is needed".

Owns the check-in templates (ordered questions: scale 1-5, yes/no, short text, and the
"would you like someone to reach out" question; weekly or fortnightly periods; every change
kept as a version), the answers, who has answered, the weekly rollups, and the staffing
figures per department and shift.

Invariants:

* Answering is quiet (``router.quiet``; README, "Logs"): /checkins/current,
  /checkins/responses and the web client's /checkin page write no access-log line, and audit
  rows written while serving them carry no request id, so no timed line sits beside an
  answer's period or the separate record of who answered.
* One answer per person per period (409 for a second). An answer keeps department,
  profession, period and template version; who answered is kept apart, with no shared id,
  no time at all, and no order or system value that matches the two (see ``models``).
  The "reach out" answer is never stored: with the person's explicit consent it asks
  peer support to contact them, the only link between a person and a check-in, made by
  the person.
* Nothing is written when someone answers (the consented support request aside). The
  answer is checked and waits in the process's memory (``pool``), in a pool per (period,
  department); 409 if the person's participation is stored or their answer waits here.
  When a pool holds k answers (k = ``HAVEN_INSIGHTS_MIN_CELL_SIZE``), the whole pool is
  written in one transaction of its own, on a session of its own: the participations,
  then the responses, each set in an order drawn independently (SystemRandom) with fresh
  random ids, and the rollups moved by the batch's sums. A database file, its WAL, or
  PostgreSQL's row versions then say of a response only "one of these k people". A
  person whose participation is already stored (they answered through another process)
  is dropped from the batch before anything is written; fewer than k left: it waits.
* Quasi-identifiers are generalised within each batch: a profession fewer than k of the
  batch share is stored as NULL, and if those NULLs are some but fewer than k, the
  next-smallest professions too, until they are k or every profession is NULL. Stored
  (period, department, profession) groups are never below k, nor (period, department)
  groups, except under no department.
* Periods end: :func:`service.write_ended_periods` (a periodic job in ``haven.jobs``,
  also run after every accepted answer and at shutdown; insights call it before computing
  a period's release) writes each ended period's leftovers, all departments together, as
  one batch under no department and no profession. Fewer than k left over: they are not
  stored at all, nor their participations; that is the price of an anonymity set that
  small, and their figures are simply missing from that week.
* Bulk loads (``load_responses``: the demo, imports) are generalised like batches, with
  a (period, department) group below k moved to no department; migration 0012 did the
  same to what was stored before.
* The rollups equal a rebuild from the stored responses: checked, not trusted
  (:func:`service.rollup_differences`, run after every test and by ``haven db
  check-rollups``).

Failure modes, written down because they are the price of the above:

* A process that dies loses the answers waiting in it. No participation was written, so
  their people may answer again while the period is open. A graceful shutdown writes the
  pools that are ready and the ended periods; a running period's short pools are lost.
* Several processes each hold their own pools, so batches fill more slowly, and more is
  left over at a period's end. A person may answer once in each process; only the first
  of their answers to be written counts.
* A batch that fails to write (the database is unreachable) is sealed and retried as
  exactly the same answers on the next write, never merged with later ones: PostgreSQL
  keeps the rolled-back tuples until VACUUM, and the difference between that dead attempt
  and a bigger written batch would be someone's answer. If a sealed batch loses a member
  (answered elsewhere meanwhile), it is not stored, and its people may answer again.
* A template changed while answers wait makes a batch hold two template versions, which
  splits it into smaller groups by version; change templates between periods.
* Free-text answers are stored as written; nothing can generalise what someone writes.
* Scale and yes/no questions are required, so every figure of a week is computed from the
  same people; short text is optional.
* The default template (DESIGN.md) is created the first time check-ins are used.
* Staffing is keyed by department, day and shift: recording it again replaces it with
  If-Match and is refused with 409 without. A batch is all or nothing.

Decision: staffing lives here rather than in a domain of its own: it is a few rows per
shift, written by leads or a staffing system, and like check-ins it exists to be read as
weekly figures by insights. Its rules sit in ``staffing`` (behind the same ``service``),
its access rules in ``policy``.

Who may call: every member of staff answers check-ins; admins manage templates;
department leads record their own department's staffing, service accounts with
``staffing:write`` any department's; leads read their own, safety officers, support
coordinators and admins all. Insights read :func:`service.weekly_checkin_figures`,
:func:`service.weekly_staffing_figures` and :func:`service.insight_questions` only.
"""
