"""Check-ins and staffing: the two inputs to "see where support is needed".

Owns the check-in templates (ordered questions: scale 1-5, yes/no, short text, and the
"would you like someone to reach out" question; weekly or fortnightly periods; every change
kept as a version), the answers, who has answered, the weekly rollups, and the staffing
figures per department and shift.

Invariants:

* One answer per person per period (409 for a second). An answer keeps department,
  profession, period and template version; who answered is kept apart, with no shared id,
  no time at all, and no order or system value that matches the two (see ``models``).
  The "reach out" answer is never stored: with the person's explicit consent it asks
  peer support to contact them, the only link between a person and a check-in, made by
  the person.
* Scale and yes/no questions are required, so every figure of a week is computed from the
  same people; short text is optional.
* The default template (DESIGN.md) is created the first time check-ins are used.
* Staffing is keyed by department, day and shift: recording it again replaces it with
  If-Match and is refused with 409 without. A batch is all or nothing.

Decision: staffing lives here rather than in a domain of its own: it is a few rows per
shift, written by leads or a staffing system, and like check-ins it exists to be read as
weekly figures by insights. Its rules sit in the same service, its access rules in
``policy``.

Who may call: every member of staff answers check-ins; admins manage templates;
department leads record their own department's staffing, service accounts with
``staffing:write`` any department's; leads read their own, safety officers, support
coordinators and admins all. Insights read :func:`service.weekly_checkin_figures`,
:func:`service.weekly_staffing_figures` and :func:`service.insight_questions` only.
"""
