/**
 * Login CSRF, in a real browser: a page on another site posts a sign-in form to Haven with the
 * attacker's own credentials. Chromium sends `Sec-Fetch-Site` (and `Origin`); Haven refuses the
 * post (403) and no session cookie lands in the victim's browser. The same form from Haven's
 * own page signs in, so it is the check that stops the attack, not the form.
 */
import { expect, test, type Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loginFor } from './support';

function formPage(action: string, email: string, password: string): string {
  const field = (name: string, value: string) => `<input type="hidden" name="${name}" value="${value.replaceAll('"', '&quot;')}">`;
  return `<!doctype html><html><head><title>Win a prize</title></head><body>
<form id="f" method="POST" action="${action}">${field('username', email)}${field('password', password)}</form>
<script>document.getElementById('f').submit();</script></body></html>`;
}

async function serve(html: string, host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function refreshCookies(page: Page): Promise<string[]> {
  return (await page.context().cookies()).filter((c) => c.name === 'haven_refresh').map((c) => c.value);
}

for (const [kind, host, pageHost] of [
  ['another site', '127.0.0.1', '127.0.0.1'],
  ['another port of the same site', '127.0.0.1', 'localhost'],
] as const) {
  test(`a sign-in form posted from ${kind} sets no session`, async ({ page, baseURL }) => {
    const target = `${baseURL}/api/v1/auth/token`;
    const login = loginFor('staff');
    const { server, port } = await serve(formPage(target, login.email, login.password), host);
    try {
      const answered = page.waitForResponse((response) => response.url() === target);
      await page.goto(`http://${pageHost}:${port}/`);
      const response = await answered;
      expect(response.status()).toBe(403);
      expect(((await response.json()) as { type: string }).type).toBe('urn:haven:problem:cross-site-request');
      expect(response.headers()['set-cookie'] ?? '').not.toContain('haven_refresh');
      expect(await refreshCookies(page)).toEqual([]);
      // Haven's own pages find nobody signed in.
      await page.goto('/profile');
      await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
    } finally {
      server.close();
    }
  });
}

test("the same form posted from Haven's own page signs in", async ({ page, baseURL }) => {
  const login = loginFor('staff');
  await page.goto('/sign-in');
  const target = `${baseURL}/api/v1/auth/token`;
  const answered = page.waitForResponse((response) => response.url() === target);
  await page.evaluate(
    ({ action, email, password }) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = action;
      const fields: [string, string][] = [
        ['username', email],
        ['password', password],
      ];
      for (const [name, value] of fields) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.appendChild(input);
      }
      document.body.appendChild(form);
      form.submit();
    },
    { action: target, email: login.email, password: login.password },
  );
  const response = await answered;
  expect(response.status()).toBe(200);
  // A browser gets its refresh token as the HttpOnly cookie only, never in the body.
  expect(((await response.json()) as { refresh_token: string | null }).refresh_token).toBeNull();
  expect(await refreshCookies(page)).toHaveLength(1);
});
