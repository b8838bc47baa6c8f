import { cleanup, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { Role } from '../api/types';
import { AuthContext, type AuthContextValue } from '../features/auth/AuthContext';
import { makeMe } from '../test/http';
import { AppNav } from './AppNav';

function renderNavFor(roles: Role[]) {
  const me = makeMe({ roles });
  const auth: AuthContextValue = {
    status: 'authenticated',
    me,
    expired: false,
    signedOut: false,
    signIn: async () => ({ kind: 'signed-in' as const }),
    finishSignIn: async () => {},
    signOut: async () => {},
    reloadMe: async () => {},
    hasRole: (...wanted) => wanted.some((r) => roles.includes(r)),
  };
  render(
    <AuthContext.Provider value={auth}>
      <MemoryRouter>
        <AppNav id="nav" open />
      </MemoryRouter>
    </AuthContext.Provider>,
  );
  return screen.getByRole('navigation', { name: 'Main' });
}

function linkNames(nav: HTMLElement): string[] {
  return within(nav)
    .getAllByRole('link')
    .map((link) => link.textContent ?? '');
}

describe('AppNav', () => {
  it('shows an admin the Admin section with departments, users, the people import, API keys and crisis contacts', () => {
    const nav = renderNavFor(['admin']);
    const admin = within(nav).getByRole('region', { name: 'Admin' });
    expect(linkNames(admin)).toEqual(['Departments', 'Users', 'Import people', 'API keys', 'Crisis contacts']);
    expect(within(admin).getByRole('link', { name: 'Users' }).getAttribute('href')).toBe('/admin/users');
    expect(linkNames(nav)).toContain('Profile');
  });

  it('shows staff their own sections and no Admin section', () => {
    const nav = renderNavFor(['staff']);
    expect(within(nav).queryByRole('region', { name: 'Admin' })).toBeNull();
    expect(within(nav).queryByText('Admin')).toBeNull();
    expect(within(nav).queryByRole('region', { name: 'Safety' })).toBeNull();
    expect(linkNames(within(nav).getByRole('region', { name: 'My Haven' }))).toEqual([
      'Profile',
      'Check-in',
      'Report an event',
      'Report anonymously',
      'My reports',
      'Learning feed',
      'Follow an anonymous report',
    ]);
    expect(linkNames(within(nav).getByRole('region', { name: 'See where support is needed' }))).toEqual([
      'Insights',
    ]);
  });

  it('offers department leads the staffing page', () => {
    const insights = within(renderNavFor(['department_lead'])).getByRole('region', {
      name: 'See where support is needed',
    });
    expect(linkNames(insights)).toEqual(['Insights', 'Staffing']);
  });

  it('gives admins insights but no check-in', () => {
    const names = linkNames(renderNavFor(['admin']));
    expect(names).toContain('Insights');
    expect(names).not.toContain('Check-in');
  });

  it.each<Role>(['safety_officer', 'department_lead'])('gives a %s the report queue under Safety', (role) => {
    const nav = renderNavFor([role]);
    const safety = within(nav).getByRole('region', { name: 'Safety' });
    expect(linkNames(safety)).toEqual(['Report queue']);
    expect(within(safety).getByRole('link', { name: 'Report queue' }).getAttribute('href')).toBe('/reports');
  });

  it('offers an admin-only account the learning feed but not reporting', () => {
    const names = linkNames(renderNavFor(['admin']));
    expect(names).toContain('Learning feed');
    expect(names).not.toContain('Report an event');
    expect(names).not.toContain('Report queue');
  });

  it('shows staff debriefs and their action items, and leads the overdue list', () => {
    const staff = within(renderNavFor(['staff'])).getByRole('region', { name: 'Debriefs and actions' });
    expect(linkNames(staff)).toEqual(['Debriefs', 'My action items']);
  });

  it('shows a department lead the overdue actions', () => {
    const lead = within(renderNavFor(['department_lead'])).getByRole('region', { name: 'Debriefs and actions' });
    expect(linkNames(lead)).toEqual(['Debriefs', 'My action items', 'Overdue actions']);
  });

  it('shows an admin nothing of debriefs', () => {
    expect(within(renderNavFor(['admin'])).queryByRole('region', { name: 'Debriefs and actions' })).toBeNull();
  });

  it('gives a peer supporter the inbox and a coordinator the board, never each other’s', () => {
    const supporter = linkNames(renderNavFor(['peer_supporter']));
    expect(supporter).toContain('Supporter inbox');
    expect(supporter).not.toContain('Support board');
    cleanup();
    const coordinator = linkNames(renderNavFor(['support_coordinator']));
    expect(coordinator).toEqual(expect.arrayContaining(['Support board', 'Outreach', 'Roster', 'Program figures']));
    expect(coordinator).not.toContain('Supporter inbox');
  });

  it('offers an auditor no way to ask for support through this account', () => {
    const names = linkNames(renderNavFor(['auditor']));
    expect(names).not.toContain('Get support');
    expect(names).not.toContain('My requests');
  });

  it('gives the auditor the audit log, and nobody else', () => {
    const nav = renderNavFor(['auditor']);
    const section = within(nav).getByRole('region', { name: 'Audit' });
    expect(linkNames(section)).toEqual(['Audit log']);
    expect(within(section).getByRole('link', { name: 'Audit log' }).getAttribute('href')).toBe('/audit');
    cleanup();
    expect(linkNames(renderNavFor(['admin', 'safety_officer', 'staff']))).not.toContain('Audit log');
  });

  it('adds the Admin section for a person who holds admin among other roles', () => {
    const nav = renderNavFor(['staff', 'admin']);
    expect(within(nav).getByRole('region', { name: 'Admin' })).toBeTruthy();
  });
});
