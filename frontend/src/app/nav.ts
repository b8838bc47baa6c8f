import type { Role } from '../api/types';
import { canSee, NAV_SECTIONS, type Feature, type NavItem, type NavSectionId } from './registry';

export interface NavSection {
  id: NavSectionId;
  label: string;
  items: NavItem[];
}

/** The navigation a person with these roles sees: sections in order, empty sections dropped. */
export function navFor(roles: readonly Role[], features: readonly Feature[]): NavSection[] {
  const visible = features.flatMap((feature) => feature.nav).filter((item) => canSee(item.audience, roles));
  return NAV_SECTIONS.map((section) => ({
    id: section.id,
    label: section.label,
    items: visible.filter((item) => item.section === section.id),
  })).filter((section) => section.items.length > 0);
}
