"""The peer-support domain's public face: what the router and the other domains call.

The rules live one concern a module; each name here leads to its home:

    resources    crisis resources, the program's settings, the organisation's clock
    roster       supporters, their caseloads and on-call availability
    matching     the roster's and a request's facts, handed to the pure rules in ``policy``
    assignment   matching's choice or the coordinator's hand, candidates, the offer's deadline
    requests     asking (for oneself, a colleague, on consent), status moves, escalation
    views        a request as each viewer sees it, and the wall (404) in front of it
    encounters   encounters, the safety exception and the private note
    follow_ups   follow-ups, scheduled and due
    feedback     anonymous feedback and its summary
    outreach     proactive outreach tasks after an event review
    figures      the coordinator's metrics and insights' weekly figures and releases
    jobs         the periodic jobs (:data:`PERIODIC_JOBS`)
    auditing     how support records enter the audit log (under ``notes.audit_ref``)
    notices      what supporters and coordinators are told
    sealing      free text under per-record keys (crypto-shredding)

Every read or change of a support record by a supporter or the coordinator writes an
audit row naming that actor and the record's audit pseudonym (:func:`notes.audit_ref`);
the requester's own actions are recorded without their identity. Functions never commit.
Other domains use only :func:`weekly_figures`, :func:`release_figures`,
:func:`offer_outreach`, :func:`request_support_on_consent`, :func:`list_supporters` (and
:data:`PERIODIC_JOBS`, run by haven.jobs).
"""

from __future__ import annotations

from haven.support.assignment import assign_request as assign_request
from haven.support.assignment import candidates as candidates
from haven.support.encounters import list_encounters as list_encounters
from haven.support.encounters import log_encounter as log_encounter
from haven.support.feedback import feedback_summary as feedback_summary
from haven.support.feedback import give_feedback as give_feedback
from haven.support.figures import program_metrics as program_metrics
from haven.support.figures import release_figures as release_figures
from haven.support.figures import weekly_figures as weekly_figures
from haven.support.follow_ups import add_follow_up as add_follow_up
from haven.support.follow_ups import due_follow_ups as due_follow_ups
from haven.support.follow_ups import list_follow_ups as list_follow_ups
from haven.support.follow_ups import update_follow_up as update_follow_up
from haven.support.jobs import PERIODIC_JOBS as PERIODIC_JOBS
from haven.support.jobs import assign_waiting_requests as assign_waiting_requests
from haven.support.jobs import flag_overdue_requests as flag_overdue_requests
from haven.support.jobs import purge_closed_requests as purge_closed_requests
from haven.support.jobs import purge_expired_notes as purge_expired_notes
from haven.support.jobs import purge_old_feedback_comments as purge_old_feedback_comments
from haven.support.jobs import reoffer_missed_requests as reoffer_missed_requests
from haven.support.jobs import surface_due_follow_ups as surface_due_follow_ups
from haven.support.outreach import accept_outreach as accept_outreach
from haven.support.outreach import decline_outreach as decline_outreach
from haven.support.outreach import list_outreach as list_outreach
from haven.support.outreach import offer_outreach as offer_outreach
from haven.support.requests import WHO_SEES_IT as WHO_SEES_IT
from haven.support.requests import create_request as create_request
from haven.support.requests import escalate_request as escalate_request
from haven.support.requests import request_support_on_consent as request_support_on_consent
from haven.support.requests import transition_request as transition_request
from haven.support.resources import get_resources as get_resources
from haven.support.resources import set_resources as set_resources
from haven.support.resources import support_config as support_config
from haven.support.roster import create_supporter as create_supporter
from haven.support.roster import get_my_availability as get_my_availability
from haven.support.roster import get_supporter as get_supporter
from haven.support.roster import list_supporters as list_supporters
from haven.support.roster import set_my_availability as set_my_availability
from haven.support.roster import update_supporter as update_supporter
from haven.support.views import RequestFilters as RequestFilters
from haven.support.views import get_request as get_request
from haven.support.views import list_requests as list_requests
