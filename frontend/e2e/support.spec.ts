import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { loginFor, openNav, signIn, uniqueSuffix, type DemoRole } from './support';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
const PHONE = { width: 360, height: 780 };

async function expectNoSeriousViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `${label}: serious or critical accessibility violations`).toEqual([]);
}

/** The access token the app itself holds, taken from one of its own API calls. */
async function appToken(page: Page, action: () => Promise<void>): Promise<string> {
  const call = page.waitForRequest((req) => new URL(req.url()).pathname.startsWith('/api/v1/') && !!req.headers()['authorization']);
  await action();
  return (await call).headers()['authorization']!;
}

const marker = uniqueSuffix();
const CONTACT = `E2E-CONTACT-${marker}`;
const NOTE = `E2E-NOTE-${marker}`;
let requestId = '';

test.describe.serial('a nurse asks for urgent support; the wall holds', () => {
  test.use({ viewport: PHONE });

  test('the nurse asks for urgent support on a phone and sees the crisis line at once', async ({ page }) => {
    await signIn(page, loginFor('staff'));
    await openNav(page, 'Get support');
    await expect(page.getByRole('heading', { level: 1, name: 'Get support' })).toBeVisible();
    await expect(page.getByText(/never see it/)).toBeVisible();

    await page.getByLabel('Urgent: as soon as possible').check();
    const urgent = page.getByRole('complementary', { name: 'If you or someone else is in danger, call now' });
    await expect(urgent.getByRole('link', { name: '116 123' })).toHaveAttribute('href', 'tel:116123');

    await page.getByLabel('Phone number or other contact (optional)').fill(CONTACT);
    await page.getByLabel('Good times to reach you (optional)').fill('now');
    await page.getByRole('button', { name: 'Ask for support' }).click();

    await expect(page.getByRole('heading', { level: 1, name: 'Your request is with us' })).toBeVisible();
    await expect(page.getByRole('link', { name: '116 123' }).first()).toBeVisible();
    await page.getByRole('link', { name: 'See your requests' }).click();
    await expect(page.getByText('Supporter assigned').first()).toBeVisible();
  });

  test('the supporter was assigned, logs first contact and an encounter with a private note', async ({ page }) => {
    const nurse = loginFor('staff');
    await signIn(page, loginFor('peer_supporter'));
    await openNav(page, 'Supporter inbox');
    const card = page
      .getByRole('list', { name: 'Assigned requests' })
      .getByRole('listitem')
      .filter({ hasText: nurse.display_name })
      .filter({ hasText: 'Urgent' });
    await expect(card.first()).toContainText('left to first contact');
    await card.first().getByRole('link', { name: nurse.display_name }).click();
    await expect(page.getByRole('heading', { level: 1, name: `Support for ${nurse.display_name}` })).toBeVisible();
    requestId = new URL(page.url()).pathname.split('/').pop()!;
    await expect(page.getByText(CONTACT)).toBeVisible();

    await page.getByRole('button', { name: 'I made first contact' }).click();
    await expect(page.getByText('Status: Supporter in touch.')).toBeVisible();

    const form = page.getByRole('form', { name: 'Log an encounter' });
    await form.getByLabel('Minutes').fill('25');
    await form.getByLabel('Private note (optional)').fill(NOTE);
    await form.getByRole('button', { name: 'Log encounter' }).click();
    await expect(page.getByText('Encounter logged.')).toBeVisible();
    await expect(page.getByRole('list', { name: 'Encounters' })).toContainText(NOTE);
    await expect(page.getByRole('list', { name: 'Follow-ups' }).getByRole('listitem')).toHaveCount(3);
  });

  test('the coordinator sees the status and timing, never the note or the contact', async ({ page }) => {
    await signIn(page, loginFor('support_coordinator'));
    await openNav(page, 'Support board');
    await expect(page.getByRole('heading', { level: 2, name: /Support under way/ })).toBeVisible();
    await page.goto(`/support/requests/${requestId}`);
    await expect(page.getByText('Support under way').first()).toBeVisible();
    await expect(page.getByText('Audit reference')).toBeVisible();
    await expect(page.getByRole('list', { name: 'Encounters' }).getByRole('listitem')).toHaveCount(1);
    const text = await page.locator('body').innerText();
    expect(text).not.toContain(NOTE);
    expect(text).not.toContain(CONTACT);
    expect(text).not.toContain(loginFor('staff').display_name);
  });

  for (const role of ['department_lead', 'safety_officer'] as DemoRole[]) {
    test(`the ${role} finds no trace of it anywhere in their pages`, async ({ page, request }) => {
      const token = await appToken(page, () => signIn(page, loginFor(role)));
      const nav = page.getByRole('navigation', { name: 'Main' });
      const menu = page.getByRole('button', { name: 'Menu' });
      if (await menu.isVisible()) await menu.click();
      const links = await nav.getByRole('link').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname));
      for (const path of links) {
        await page.goto(path);
        await expect(page.getByText(/^Loading/)).toHaveCount(0);
        const text = await page.locator('body').innerText();
        for (const secret of [NOTE, CONTACT, requestId]) expect(text, `${role} on ${path}`).not.toContain(secret);
      }
      await page.goto(`/support/requests/${requestId}`);
      await expect(page.getByRole('alert')).toContainText(/No such support request|cannot see it/);
      expect(await page.locator('main').innerText()).not.toContain(NOTE);

      for (const path of ['/api/v1/support/requests/' + requestId, '/api/v1/support/requests/' + requestId + '/encounters']) {
        const response = await request.get(path, { headers: { Authorization: token } });
        expect(response.status()).toBe(404);
      }
      for (const path of ['/api/v1/notifications', '/api/v1/support/requests/mine', '/api/v1/reports/mine']) {
        const body = await (await request.get(path, { headers: { Authorization: token } })).text();
        for (const secret of [NOTE, CONTACT, requestId]) expect(body, `${role} ${path}`).not.toContain(secret);
      }
    });
  }
});

// --- accessibility of every support page, on a phone -------------------------------------------

const PAGES: { role: DemoRole; path: string; heading: string }[] = [
  { role: 'staff', path: '/support', heading: 'Get support' },
  { role: 'staff', path: '/support/mine', heading: 'My support requests' },
  { role: 'peer_supporter', path: '/support/inbox', heading: 'Supporter inbox' },
  { role: 'peer_supporter', path: '/support/availability', heading: 'Availability' },
  { role: 'support_coordinator', path: '/support/board', heading: 'Support board' },
  { role: 'support_coordinator', path: '/support/roster', heading: 'Supporter roster' },
  { role: 'support_coordinator', path: '/support/outreach', heading: 'Outreach' },
  { role: 'support_coordinator', path: '/support/metrics', heading: 'Program figures' },
  { role: 'admin', path: '/admin/support-resources', heading: 'Crisis contacts' },
];

test.describe('support pages are accessible on a phone', () => {
  test.use({ viewport: PHONE });

  test('crisis contacts without signing in', async ({ page }) => {
    await page.goto('/sign-in');
    await page.getByRole('link', { name: /Crisis contacts, no sign-in needed/ }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Help now' })).toBeVisible();
    await expect(page.getByRole('link', { name: '116 123' })).toBeVisible();
    await expectNoSeriousViolations(page, '/help');
  });

  for (const target of PAGES) {
    test(`${target.heading} (${target.role})`, async ({ page }) => {
      await signIn(page, loginFor(target.role));
      await page.goto(target.path);
      await expect(page.getByRole('heading', { level: 1, name: target.heading })).toBeVisible();
      await expect(page.getByText(/^Loading/)).toHaveCount(0);
      await expectNoSeriousViolations(page, target.path);
    });
  }

  test('a request page as its supporter, with the encounter form', async ({ page }) => {
    const nurse = loginFor('staff');
    const token = await appToken(page, () => signIn(page, nurse));
    const created = await page.request.post('/api/v1/support/requests', {
      headers: { Authorization: token },
      data: { urgency: 'routine' },
    });
    expect(created.status()).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await page.context().clearCookies();
    await signIn(page, loginFor('peer_supporter'));
    await page.goto(`/support/requests/${id}`);
    await expect(page.getByRole('form', { name: 'Log an encounter' })).toBeVisible();
    await expectNoSeriousViolations(page, '/support/requests/:id');
  });
});
