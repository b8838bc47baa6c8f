import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type DemoRole =
  | 'staff'
  | 'peer_supporter'
  | 'support_coordinator'
  | 'safety_officer'
  | 'department_lead'
  | 'admin'
  | 'auditor';

export interface Login {
  role: DemoRole;
  email: string;
  password: string;
  display_name: string;
}

let cache: Login[] | null = null;

/** The demo logins `haven seed-demo --logins-file` wrote for this run. */
export function loginFor(role: DemoRole): Login {
  if (cache === null) {
    const runDir = process.env.HAVEN_E2E_RUN_DIR;
    if (!runDir) throw new Error('HAVEN_E2E_RUN_DIR is not set: run through playwright.config.ts');
    const parsed = JSON.parse(readFileSync(path.join(runDir, 'logins.json'), 'utf8')) as { logins: Login[] };
    cache = parsed.logins;
  }
  const login = cache.find((l) => l.role === role);
  if (!login) throw new Error(`No demo login for role ${role}`);
  return login;
}

/** The demo's second administrator (privileged role grants need one who did not propose them). */
export function secondAdmin(): Login {
  loginFor('admin');
  const admins = (cache ?? []).filter((l) => l.role === 'admin');
  const second = admins[1];
  if (!second) throw new Error('The demo has no second administrator');
  return second;
}

export async function signIn(page: Page, login: Pick<Login, 'email' | 'password'>): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();
}

/** Open a main-nav entry, through the menu button when the nav is collapsed (narrow screens). */
export async function openNav(page: Page, name: string): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const menu = page.getByRole('button', { name: 'Menu' });
  if (await menu.isVisible()) {
    if ((await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
  }
  await nav.getByRole('link', { name, exact: true }).click();
}

/** A short suffix that keeps names unique across runs against the same database. */
export function uniqueSuffix(): string {
  return Math.random().toString(36).slice(2, 7).toUpperCase();
}
