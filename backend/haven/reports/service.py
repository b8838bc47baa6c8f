"""Report rules, the face the router and other domains call. Each rule lives in the module
named for its concern:

* ``submission``: named, confidential and anonymous reports, the support offer after them;
* ``fields``: which answers about an event fit together (on submission and on triage);
* ``receipts``: an anonymous report's receipt, its look-ups and their throttle, sessions;
* ``reading``: who gets which report, the audit of reads, each viewer's shape of a report;
* ``triage``: reclassification and workflow transitions;
* ``involved``: staff involved, high-risk flags and the outreach handed to support;
* ``messages``: the thread between reporter and safety team;
* ``reviews`` (with the guide in ``justculture``): just-culture reviews and revisions;
* ``lessons``, ``subcategories``, and ``figures`` (counts for insights' releases).

Anonymous submissions go through :func:`submit_anonymous_report`, which takes no
principal at all: it cannot store who called, and writes no audit row (an audit row's
precise time and sequence would date the submission).
"""

from __future__ import annotations

from haven.reports.figures import release_counts as release_counts
from haven.reports.involved import get_involved_staff as get_involved_staff
from haven.reports.involved import high_risk_scenarios as high_risk_scenarios
from haven.reports.involved import set_involved_staff as set_involved_staff
from haven.reports.involved import staff_candidates as staff_candidates
from haven.reports.lessons import get_lesson as get_lesson
from haven.reports.lessons import list_lessons as list_lessons
from haven.reports.lessons import publish_lesson as publish_lesson
from haven.reports.messages import list_messages as list_messages
from haven.reports.messages import post_message as post_message
from haven.reports.reading import ReportFilters as ReportFilters
from haven.reports.reading import anonymous_report_view as anonymous_report_view
from haven.reports.reading import count_reports_by_status as count_reports_by_status
from haven.reports.reading import get_report as get_report
from haven.reports.reading import list_my_reports as list_my_reports
from haven.reports.reading import list_reports as list_reports
from haven.reports.reading import visible_report_department as visible_report_department
from haven.reports.receipts import ReceiptNotRecognised as ReceiptNotRecognised
from haven.reports.receipts import open_report_session as open_report_session
from haven.reports.receipts import receipt_throttle as receipt_throttle
from haven.reports.reviews import create_review as create_review
from haven.reports.reviews import list_reviews as list_reviews
from haven.reports.reviews import review_revisions as review_revisions
from haven.reports.reviews import update_review as update_review
from haven.reports.subcategories import create_subcategory as create_subcategory
from haven.reports.subcategories import list_subcategories as list_subcategories
from haven.reports.submission import anonymous_report_form as anonymous_report_form
from haven.reports.submission import (
    anonymous_submission_allowed_without_account as anonymous_submission_allowed_without_account,
)
from haven.reports.submission import submit_anonymous_report as submit_anonymous_report
from haven.reports.submission import submit_report as submit_report
from haven.reports.triage import transition_report as transition_report
from haven.reports.triage import update_report as update_report
