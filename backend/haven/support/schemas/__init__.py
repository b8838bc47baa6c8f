"""Wire models and enums of the peer-support domain.

Every response model lists its fields. A support request has one response model per viewer
(:class:`RequesterRequestRead`, :class:`SupporterRequestRead`, :class:`CoordinatorRequestRead`),
told apart by ``view``; :data:`SupportRequestRead` is their union, for the routes any of the
three may call. A field a viewer may not see is not in their model at all: the coordinator's
has no contact details, preferred times or requester's name, so no forgotten condition can
fill them in (the wall, see the package docstring of :mod:`haven.support`).

One module a concern, named like the service module it serves (``schemas.roster`` holds
the wire models of ``support.roster``):

    enums        the vocabulary every part speaks: kinds, statuses, urgencies, channels,
                 escalation resources, exclusion reasons, viewers
    resources    crisis resources and the program's settings
    roster       supporters, their on-call windows and availability
    requests     asking, the three viewers' models, status moves, assignment, candidates
    encounters   encounters and follow-ups
    feedback     anonymous feedback and its summary
    outreach     outreach tasks
    figures      the coordinator's metrics; the weekly figures and releases for insights

A package rather than sibling ``schemas_*.py`` modules: other domains may import only a
domain's ``service`` and ``schemas``, so ``haven.support.schemas`` stays the one face and
re-exports every name; the modules behind it sit in the folder they belong to instead of
beside the domain's rules. Outside the support domain, import the names from here.
"""

from __future__ import annotations

from haven.support.schemas.encounters import DueFollowUpRead as DueFollowUpRead
from haven.support.schemas.encounters import EncounterCreate as EncounterCreate
from haven.support.schemas.encounters import EncounterRead as EncounterRead
from haven.support.schemas.encounters import FollowUpCreate as FollowUpCreate
from haven.support.schemas.encounters import FollowUpRead as FollowUpRead
from haven.support.schemas.encounters import FollowUpUpdate as FollowUpUpdate
from haven.support.schemas.enums import OPEN_STATUSES as OPEN_STATUSES
from haven.support.schemas.enums import ContactChannel as ContactChannel
from haven.support.schemas.enums import EncounterChannel as EncounterChannel
from haven.support.schemas.enums import EncounterOutcome as EncounterOutcome
from haven.support.schemas.enums import EscalationResource as EscalationResource
from haven.support.schemas.enums import ExclusionReason as ExclusionReason
from haven.support.schemas.enums import FollowUpStatus as FollowUpStatus
from haven.support.schemas.enums import OutreachStatus as OutreachStatus
from haven.support.schemas.enums import RequestKind as RequestKind
from haven.support.schemas.enums import RequestStatus as RequestStatus
from haven.support.schemas.enums import RequestView as RequestView
from haven.support.schemas.enums import ResourceKind as ResourceKind
from haven.support.schemas.enums import Urgency as Urgency
from haven.support.schemas.feedback import SupportFeedbackCreate as SupportFeedbackCreate
from haven.support.schemas.feedback import SupportFeedbackSummary as SupportFeedbackSummary
from haven.support.schemas.figures import CreatorShare as CreatorShare
from haven.support.schemas.figures import ProgramMetrics as ProgramMetrics
from haven.support.schemas.figures import SupportRelease as SupportRelease
from haven.support.schemas.figures import SupportReleaseFigures as SupportReleaseFigures
from haven.support.schemas.figures import SupportWeekFigures as SupportWeekFigures
from haven.support.schemas.figures import TierCount as TierCount
from haven.support.schemas.figures import UrgencyMetrics as UrgencyMetrics
from haven.support.schemas.outreach import OutreachAccept as OutreachAccept
from haven.support.schemas.outreach import OutreachTaskRead as OutreachTaskRead
from haven.support.schemas.requests import AssignmentRequest as AssignmentRequest
from haven.support.schemas.requests import CandidateRead as CandidateRead
from haven.support.schemas.requests import CandidatesRead as CandidatesRead
from haven.support.schemas.requests import CoordinatorRequestRead as CoordinatorRequestRead
from haven.support.schemas.requests import EscalationCreate as EscalationCreate
from haven.support.schemas.requests import ExcludedSupporterRead as ExcludedSupporterRead
from haven.support.schemas.requests import RequesterRequestRead as RequesterRequestRead
from haven.support.schemas.requests import SupporterRequestRead as SupporterRequestRead
from haven.support.schemas.requests import SupportRequestCreate as SupportRequestCreate
from haven.support.schemas.requests import SupportRequestCreated as SupportRequestCreated
from haven.support.schemas.requests import SupportRequestRead as SupportRequestRead
from haven.support.schemas.requests import SupportTransition as SupportTransition
from haven.support.schemas.resources import ResourceItem as ResourceItem
from haven.support.schemas.resources import ResourceRead as ResourceRead
from haven.support.schemas.resources import ResourcesRead as ResourcesRead
from haven.support.schemas.resources import ResourcesUpdate as ResourcesUpdate
from haven.support.schemas.resources import SupportConfigRead as SupportConfigRead
from haven.support.schemas.roster import AvailabilityRead as AvailabilityRead
from haven.support.schemas.roster import AvailabilityUpdate as AvailabilityUpdate
from haven.support.schemas.roster import OnCallWindow as OnCallWindow
from haven.support.schemas.roster import OnCallWindowRead as OnCallWindowRead
from haven.support.schemas.roster import SupporterCreate as SupporterCreate
from haven.support.schemas.roster import SupporterRead as SupporterRead
from haven.support.schemas.roster import SupporterUpdate as SupporterUpdate
