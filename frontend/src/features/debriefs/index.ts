import { lazy } from 'react';
import type { Feature } from '../../app/registry';
import './debriefs.css';
import { SCHEDULERS, TEAM } from './labels';

const DebriefsPage = lazy(() => import('./DebriefsPage'));
const ScheduleDebriefPage = lazy(() => import('./ScheduleDebriefPage'));
const DebriefPage = lazy(() => import('./DebriefPage'));
const FacilitatePage = lazy(() => import('./FacilitatePage'));
const FeedbackPage = lazy(() => import('./FeedbackPage'));
const MyActionsPage = lazy(() => import('./MyActionsPage'));
const OverdueActionsPage = lazy(() => import('./OverdueActionsPage'));
const ActionItemPage = lazy(() => import('./ActionItemPage'));

const OVERSEERS = ['safety_officer', 'department_lead'] as const;

/**
 * Debriefs and action items. `/debriefs/new?report_id=…` schedules a hot debrief about a
 * report (the report page links there); `?kind=open_forum&department_id=…` presets an open
 * forum (the insights hotspot page).
 */
export const debriefsFeature: Feature = {
  id: 'debriefs',
  routes: [
    { path: 'debriefs', Page: DebriefsPage, audience: TEAM },
    { path: 'debriefs/new', Page: ScheduleDebriefPage, audience: SCHEDULERS },
    { path: 'debriefs/:debriefId', Page: DebriefPage, audience: TEAM },
    { path: 'debriefs/:debriefId/record', Page: FacilitatePage, audience: TEAM },
    { path: 'debriefs/:debriefId/feedback', Page: FeedbackPage, audience: TEAM },
    { path: 'action-items/mine', Page: MyActionsPage, audience: TEAM },
    { path: 'action-items/overdue', Page: OverdueActionsPage, audience: OVERSEERS },
    { path: 'action-items/:actionItemId', Page: ActionItemPage, audience: TEAM },
  ],
  nav: [
    { label: 'Debriefs', to: '/debriefs', section: 'learning', audience: TEAM },
    { label: 'My action items', to: '/action-items/mine', section: 'learning', audience: TEAM },
    { label: 'Overdue actions', to: '/action-items/overdue', section: 'learning', audience: OVERSEERS },
  ],
};
