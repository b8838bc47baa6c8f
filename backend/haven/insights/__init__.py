"""Insights: "see where support is needed", without ever exposing a small group.

Owns the weekly releases (``models.InsightRelease``). Reads each source's figures through its
own service, once per week, when the week is released: check-ins and staffing
(``checkins.service``), reports (``reports.service.release_counts``), peer-support requests
(``support.service.release_figures``), debriefs and action items (``debriefs.service``).

The adversary (DESIGN.md) is an insider who sees every view their roles allow, over time,
files their own records to pad a cell, back-dates a report, and solves all published sums
together. Decisions, and why they hold against that insider:

* **Releases that never change** (``release``). A week is computed once, when it closes
  (its check-in period is over, a fortnight's first week with the fortnight, plus
  ``HAVEN_INSIGHTS_RELEASE_GRACE_HOURS``), stored as published (hidden figures are not in
  it) and never recomputed: every view of that week, by any role, through any window,
  endpoint or export, is cut from it. Records count in the week they *arrived* (a report in
  the week it was submitted, a support request in the week it was made, a check-in answer
  in its period), so a late record never rewrites a released week: comparing two looks
  gives nothing. A triage change after release changes no released figure.
* **Thresholds on contributors, not records.** A figure is hidden when fewer than k people
  stand behind it: respondents (one answer per person and period), *identified* reporters
  (anonymous reports and those of service accounts add to counts but not to the people: one
  person could have filed them all), people who asked for support (a referrer counts once
  however many colleagues they refer). One insider adds at most one contributor, so padding
  a cell with one's own records never makes it appear: what any insider learns from a
  shown figure is an aggregate of at least k-1 others.
* **Complementary suppression** (``suppression``): every published sum with a hidden member
  hides at least two members holding at least k contributors together.
* **An audit of the whole week** (``protection``): before a week is released, every
  relation between its figures (the organisation is the sum of its departments, a
  department's reports the sum of their kinds, categories and harms, a mean answer times
  those who answered lies between 1 and 5 each, ...) is handed to an integer-programming
  solver (HiGHS via SciPy), as a reader of the release and as every single insider who
  knows their own records of a hidden cell. While any hidden figure could be pinned to one
  value, more is hidden (the likeliest cell that settles it, else the sum). Every role's
  view is a part of the release, so the union of everything any role or combination of
  roles can fetch is a part of what was audited. ``tests/insights/test_adversary.py`` and
  ``test_release_protection.py`` run an independent adversary, written from the API's
  documented meaning only, over a scripted season and random weeks.
* What this does not stop: people colluding (k-1 insiders who pool their own answers learn
  the k-th), and an admin who fabricates accounts to answer check-ins (account creation is
  audited; privileged roles need a second admin). Extreme cases are hidden rather than
  shown: when a whole hidden group answered alike (everyone low, say), the organisation's
  figure is hidden too if nothing else keeps it from saying so.
* Zero is shown: it is nobody. Staffing, debrief and action-item figures count shifts,
  meetings and tasks, not people or their answers, and are never suppressed (they are
  frozen in the release like the rest).
* Control charts use only what the release shows: hidden weeks are missing points, centre
  lines and limits come from shown points. Hotspots: departments whose latest week carries a
  special cause in the direction of strain; never ranked by raw report counts.
* Weeks run Monday to Sunday. Check-in figures are shown for the active check-in's scale and
  yes/no questions (as they were when the week was released).
* Speed: a release is computed once (a fraction of a second for a hospital's week; the
  audit solves small independent parts, certifying most figures with one nearest
  alternative solution each), by the periodic jobs or by the first request that needs a
  closed week. Views read a few stored rows per week.

Who may call: safety officers, support coordinators and admins see every department;
department leads their own; other staff the organisation-wide figures only (and no
hotspots). Support coordinators may alert the active peer supporters about a hotspot
(a content-free notification naming the department only).
"""
