"""Insights: "see where support is needed", without ever exposing a small group.

Owns no table. Reads weekly figures through each source's service, once per request:
check-ins and staffing (``checkins.service``), reports (``reports.service``), peer-support
requests (``support.service``), debriefs and action items (``debriefs.service``); then
suppresses small cells, builds the department x week table, the control charts (``spc``)
and the hotspots. Every table also exports to CSV (``export``), with the same suppression.

Decisions (the small-cell rules are in ``suppression``; the statistics in ``spc``):

* k is ``HAVEN_INSIGHTS_MIN_CELL_SIZE`` (default 5, never below 3). "People" behind a
  figure: check-in respondents (all scale and yes/no questions are required, so a week's
  figures share their respondents; a question's own count is used if a template changed
  mid-period); for report counts, each report counts as one person, its reporter, since
  anonymous reporters cannot be told apart (so a count of 1 to k-1 reports is hidden);
  for support, the distinct requesters (all of a cell's support figures go together; the
  organisation's median is not shown: medians do not add up).
  Zero is shown: it is nobody. Staffing, debrief and action-item figures count shifts,
  meetings and tasks, not people or their answers, and are never suppressed.
* Suppression runs per week over every department at once, including the organisation
  row and people without a department, and only then is the caller's view cut out: the
  same cell is hidden for everyone, and the organisation row cannot be used to subtract.
  Ties between equally small cells go by department id, never by the order a request met
  the departments in: every view of a week (any range, any endpoint) hides the same cells.
  Departments are compared in one week only (no cross-week totals are published).
* Complete weeks only: a running week's figures would change with each answer, so two
  looks would isolate one person's answer.
* Control charts use only what the table shows: suppressed weeks are missing points, and
  centre lines and limits come from visible points, so a chart cannot leak a hidden cell.
  A report rate is per 1,000 patient-days when every week has a census, else per week.
* Hotspots: departments whose latest week carries a special cause in the direction of
  strain (stress up, harm up, support and speaking-up down; more reports is shown but
  weighs least: it can mean a more open unit). Never ranked by raw report counts.
* Weeks run Monday to Sunday; reports count in the week the event occurred. Check-in
  figures are shown for the active check-in's scale and yes/no questions.
* Speed: check-ins and reports are read from weekly counts their domains keep on every
  write (``checkin_rollups``, ``report_week_counts``): a quarter is a few thousand small
  rows whatever the number of answers or reports. Staffing and support are grouped in SQL
  per request over covering indexes (support's median time to first contact too: one
  window, in the index's order so nothing is sorted, picks each group's middle rows).
  Suppression builds a line only when one of its cells is hidden, and a week's hidden
  cells are remembered by that week's whole input (``service._SuppressionMemo``: a pure
  function's memo, keyed canonically by department ids and counts, so nothing needs
  invalidating and the table, the charts and the hotspots share their weeks). The
  department table's rows are built as the schema's TypedDicts and
  returned without a second validation (a test serialises it with warnings as errors);
  control charts are validated in one call.

Who may call: safety officers, support coordinators and admins see every department;
department leads their own; other staff the organisation-wide figures only (and no
hotspots). Support coordinators may alert the active peer supporters about a hotspot
(a content-free notification naming the department only).
"""
