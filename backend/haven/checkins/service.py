"""Check-in and staffing rules, and the weekly figures they give insights: the public face
that the router, the jobs, insights and the demo import. Each rule lives in the module of
its concern:

* :mod:`~haven.checkins.templates`: the default template, versions, create/read/update;
* :mod:`~haven.checkins.answering`: the current check-in, checking an answer, letting it
  wait in this process's memory (:mod:`~haven.checkins.pool`); nothing of it is written;
* :mod:`~haven.checkins.batches`: writing a ready pool, or an ended period's leftovers, as
  one batch of at least k (generalised professions, shuffled rows, the rollups moved);
* :mod:`~haven.checkins.rollups`: the weekly sums rebuilt from the responses, and checked
  against such a rebuild (``haven db check-rollups``);
* :mod:`~haven.checkins.loads`: past answers loaded in bulk (the demo, imports);
* :mod:`~haven.checkins.figures`: what insights read (questions, weekly sums, answers given);
* :mod:`~haven.checkins.staffing`: shifts, shift batches, weekly staffing figures;
* :mod:`~haven.checkins.periods`: weekly and fortnightly periods (date arithmetic).
"""

from __future__ import annotations

from haven.checkins.answering import ALREADY_ANSWERED as ALREADY_ANSWERED
from haven.checkins.answering import current_checkin as current_checkin
from haven.checkins.answering import submit_response as submit_response
from haven.checkins.batches import batch_size as batch_size
from haven.checkins.batches import generalised_professions as generalised_professions
from haven.checkins.batches import write_ended_periods as write_ended_periods
from haven.checkins.batches import write_ready_batches as write_ready_batches
from haven.checkins.figures import answer_values as answer_values
from haven.checkins.figures import insight_questions as insight_questions
from haven.checkins.figures import period_end as period_end
from haven.checkins.figures import weekly_checkin_figures as weekly_checkin_figures
from haven.checkins.loads import LoadedResponse as LoadedResponse
from haven.checkins.loads import generalise_loaded as generalise_loaded
from haven.checkins.loads import load_responses as load_responses
from haven.checkins.periods import FORTNIGHT_EPOCH as FORTNIGHT_EPOCH
from haven.checkins.periods import period_bounds as period_bounds
from haven.checkins.rollups import RollupDifference as RollupDifference
from haven.checkins.rollups import rebuild_rollups as rebuild_rollups
from haven.checkins.rollups import rollup_differences as rollup_differences
from haven.checkins.staffing import FURTHEST_PLANNED_SHIFT as FURTHEST_PLANNED_SHIFT
from haven.checkins.staffing import OLDEST_SHIFT as OLDEST_SHIFT
from haven.checkins.staffing import get_shift as get_shift
from haven.checkins.staffing import list_shifts as list_shifts
from haven.checkins.staffing import load_shifts as load_shifts
from haven.checkins.staffing import record_shift as record_shift
from haven.checkins.staffing import record_shift_batch as record_shift_batch
from haven.checkins.staffing import weekly_staffing_figures as weekly_staffing_figures
from haven.checkins.templates import DEFAULT_QUESTIONS as DEFAULT_QUESTIONS
from haven.checkins.templates import DEFAULT_TEMPLATE_NAME as DEFAULT_TEMPLATE_NAME
from haven.checkins.templates import STRESS_KEY as STRESS_KEY
from haven.checkins.templates import create_template as create_template
from haven.checkins.templates import ensure_default_template as ensure_default_template
from haven.checkins.templates import get_template as get_template
from haven.checkins.templates import list_templates as list_templates
from haven.checkins.templates import update_template as update_template
