"""Debriefs and actions: where a team talks honestly after an error and turns it into system
fixes (DESIGN.md, "Debriefs and actions").

Owns debrief sessions (``hot``, ``cold``, ``open_forum``, ``huddle``) with their department,
facilitator, linked reports, schedule, participants and attendance; the structured,
blame-free record; action items graded by the RCA² hierarchy; the anonymous post-debrief
feedback; an iCalendar export; and :func:`service.weekly_figures` for insights.

Where the rules are: ``service.py`` is the face the router and other domains import; behind
it, one module per concern:

* ``scheduling.py`` scheduling and changing a debrief; ``workflow.py`` its status moves;
  ``participants.py`` invitations and attendance; ``reading.py`` one debrief and the list;
* ``record.py`` the blame-free record; ``feedback.py`` anonymous ratings and when their
  averages are published;
* ``actions.py`` action items (create, change, strength, verification); ``action_lists.py``
  their lists and the overdue counts per department;
* ``calendar_export.py`` the iCalendar feed; ``figures.py`` the weekly figures for insights;
* ``people.py`` who may be named (members of staff) and how they are shown; ``loading.py``
  loading a debrief as the caller may see it (404/403);
* ``policy.py`` who may do what, the workflows and the RCA² hierarchy (pure).

Who may call (rules in ``policy.py``):

* Scheduling (``POST /debriefs``): safety officers, any kind in any department; department
  leads, any kind in their own department; support coordinators, an ``open_forum`` in any
  department (insights' hotspot page lets them schedule one). Nobody else: a facilitator is
  named by one of these, not self-appointed.
* Running a debrief (change it, invite, attendance, the record, the workflow, action items,
  feedback averages): safety officers anywhere, the lead of its department, its facilitator,
  and support coordinators for open forums. Reading it: those, and the people invited.
  Anyone else gets 404, whatever exists. Linked report ids are shown only to those who run
  the debrief; linking a report needs the right to see it (reports' own rules).
* Action items: created on a held debrief by those who run it, or on a report
  (``POST /reports/{report_id}/action-items``) by safety officers and the lead of the
  report's department. Managed by safety officers, the lead of the item's department and
  whoever runs its debrief; the owner may move its status along but never to ``verified``.
  Read by those and by the debrief's participants.

Invariants and decisions:

* Workflow ``scheduled → held → summarized → closed``; ``scheduled → cancelled`` only. Other
  moves are 409. A debrief cannot be summarised (nor a summarised record saved) without the
  ground rules agreed and at least one contributing system factor. Schedule fields (time,
  place, kind, department, facilitator) change only while scheduled.
* The ground-rules statement is a setting (``HAVEN_DEBRIEFS_GROUND_RULES_TEXT``); the text
  agreed is stored with the record, so changing the setting never rewrites a record.
* The record never says who needed support, only whether support was offered. Free text is
  not screened on the server; the web client reminds the facilitator to describe systems
  when a participant's name appears next to words of blame.
* The record has its own version (If-Match of ``PUT .../record``), apart from the debrief's,
  so the facilitator saving step by step does not collide with someone inviting a late
  participant. Attendance is a command (``POST .../attendance``) that sets only the people
  it names, so it needs no If-Match.
* A strength is never typed: it follows from the RCA² category chosen (``policy.HIERARCHY``).
  ``verified`` needs a note on how effectiveness was checked; ``done_at`` is set when an item
  is completed and cleared if it is reopened.
* Anonymous feedback (felt safe, systems not blame, useful; 1-5): accepted from participants
  not marked absent, once each, from when the debrief is held until it is closed or
  ``HAVEN_DEBRIEFS_FEEDBACK_WINDOW_DAYS`` pass. Who answered and what was answered are two
  tables sharing only the debrief: answers carry a random id and the scores, no person and
  no time. No audit row and no idempotency record are written for an answer (a stored
  request hash would tie the body to the caller), and each answer rewrites the debrief's
  answers and answerers in key order, so neither the physical order nor PostgreSQL's
  transaction ids tell who answered what. Averages are published only once feedback has
  closed and at least ``HAVEN_DEBRIEFS_FEEDBACK_MIN_RESPONSES`` (at least 5) answered, so
  comparing two views cannot reveal one answer. What remains outside this promise: a
  database superuser reading raw pages or the write-ahead log before they are recycled.
* The calendar export carries the kind of session, the department, place and a link, never
  the title or anything about the event: hospital calendars are widely shared.
* Notifications are content-free ("You have been invited to a debrief") and link into the
  web client; email goes through the notifications outbox when SMTP is configured.
"""
