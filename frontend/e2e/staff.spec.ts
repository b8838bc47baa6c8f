import { expect, test } from '@playwright/test';
import { loginFor, signIn } from './support';

test('staff sees no admin section and the API refuses them the user list', async ({ page, request }) => {
  const login = loginFor('staff');
  const meRequest = page.waitForRequest((req) => new URL(req.url()).pathname === '/api/v1/me');
  await signIn(page, login);

  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Profile' })).toBeVisible();
  await expect(nav.getByRole('heading', { name: 'Admin' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: /Departments|Users|API keys/ })).toHaveCount(0);
  await expect(page.getByRole('main')).toContainText(login.display_name);

  // The token the app itself holds is refused by the server for admin data.
  const authorization = (await (await meRequest).allHeaders())['authorization'];
  expect(authorization).toMatch(/^Bearer .+/);
  const response = await request.get('/api/v1/users', { headers: { Authorization: authorization! } });
  expect(response.status()).toBe(403);
  expect(response.headers()['content-type']).toContain('application/problem+json');
  expect((await response.json()).status).toBe(403);

  // A typed-in admin address shows a plain refusal, not the page.
  await page.goto('/admin/users');
  await expect(page.getByRole('heading', { level: 1, name: 'Not available' })).toBeVisible();
});

test('signing out ends the session', async ({ page }) => {
  await signIn(page, loginFor('staff'));
  await page.getByRole('button', { name: /Account/ }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await page.goto('/profile');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
});
