"""Debrief rules, the public face the router and other domains import. Each concern has its
own module behind it (the package docstring says which holds what)."""

from __future__ import annotations

from haven.debriefs.action_lists import ActionFilters as ActionFilters
from haven.debriefs.action_lists import list_action_items as list_action_items
from haven.debriefs.action_lists import overdue_by_department as overdue_by_department
from haven.debriefs.actions import action_categories as action_categories
from haven.debriefs.actions import create_debrief_action as create_debrief_action
from haven.debriefs.actions import create_report_action as create_report_action
from haven.debriefs.actions import get_action_item as get_action_item
from haven.debriefs.actions import update_action_item as update_action_item
from haven.debriefs.calendar_export import calendar_for as calendar_for
from haven.debriefs.feedback import feedback_summary as feedback_summary
from haven.debriefs.feedback import give_feedback as give_feedback
from haven.debriefs.figures import weekly_figures as weekly_figures
from haven.debriefs.participants import invite_participants as invite_participants
from haven.debriefs.participants import record_attendance as record_attendance
from haven.debriefs.participants import remove_participant as remove_participant
from haven.debriefs.people import list_team_members as list_team_members
from haven.debriefs.reading import DebriefFilters as DebriefFilters
from haven.debriefs.reading import get_debrief as get_debrief
from haven.debriefs.reading import list_debriefs as list_debriefs
from haven.debriefs.record import save_record as save_record
from haven.debriefs.scheduling import create_debrief as create_debrief
from haven.debriefs.scheduling import update_debrief as update_debrief
from haven.debriefs.workflow import transition_debrief as transition_debrief
