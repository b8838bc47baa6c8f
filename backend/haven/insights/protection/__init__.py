"""The audit every release passes before it is published: can any hidden figure be worked out?

Small-cell suppression (``suppression``) hides cells line by line. An insider combines
every line at once, knows the values a figure can take (a count is a whole number, a mean
answer lies between 1 and 5, the people answering yes number between none and all of them)
and knows their own records. So before a week is released this module writes down
everything a reader of the whole release knows (every relation between its figures, every
shown value, that a hidden count is at least 1) and asks an integer-programming solver
(HiGHS, through ``scipy.optimize.milp``) whether every hidden figure could take another
value. One that cannot is *exposed*, and the release hides more (see ``release``) until
none is.

The reader is considered twice over:

* as a reader who knows only the release;
* as each single insider who knows more than that about a hidden cell: a person whose own
  check-in answer is in it (knowing one answer of a cell tells whether it holds a high
  answer, a low one, and bounds its sum); a reporter who filed two or more of a hidden
  cell's reports, or filed some when anonymous reports share the cell (an insider may have
  filed every anonymous report too: that is assumed); a person who asked for support two
  or more times, or for colleagues. A figure pinned only at what that insider contributed
  themself tells them nothing about anyone else and is no exposure.

How, one concern a module:

    figures         a week's true figures (:class:`Week`) and how a cell is named
    families        check-ins, reports and support written down as constraints, with each
                    family's insiders; :func:`exposed`, the audit over all of them
    certification   certificates, not brute force: another solution in which a hidden
                    figure differs, found once and reused for every insider it satisfies
    solver          the integer program (variables, constraints, HiGHS)
"""

from __future__ import annotations

from haven.insights.protection.certification import TargetKey as TargetKey
from haven.insights.protection.families import exposed as exposed
from haven.insights.protection.figures import CHECKINS as CHECKINS
from haven.insights.protection.figures import ORG as ORG
from haven.insights.protection.figures import REPORTS as REPORTS
from haven.insights.protection.figures import SUPPORT as SUPPORT
from haven.insights.protection.figures import Cell as Cell
from haven.insights.protection.figures import CheckinRow as CheckinRow
from haven.insights.protection.figures import SupportRow as SupportRow
from haven.insights.protection.figures import SupportShare as SupportShare
from haven.insights.protection.figures import Week as Week
