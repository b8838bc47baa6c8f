/**
 * The one list of features. A new domain (reports, support, debriefs, checkins,
 * insights) adds its folder under src/features/, exports a `Feature` from its
 * index.ts, and is added here: that registers its routes and nav entries.
 */
import { auditFeature } from '../features/audit';
import { checkinsFeature } from '../features/checkins';
import { insightsFeature } from '../features/insights';
import { debriefsFeature } from '../features/debriefs';
import { integrationsFeature } from '../features/integrations';
import { orgFeature } from '../features/org';
import { profileFeature } from '../features/profile';
import { reportsFeature } from '../features/reports';
import { supportFeature } from '../features/support';
import type { Feature } from './registry';

export const FEATURES: readonly Feature[] = [
  profileFeature,
  insightsFeature,
  checkinsFeature,
  reportsFeature,
  debriefsFeature,
  orgFeature,
  integrationsFeature,
  supportFeature,
  auditFeature,
];
