import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { loginFor, openNav, signIn } from './support';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

async function expectNoSeriousViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `${label}: serious or critical accessibility violations`).toEqual([]);
}

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('a member of staff answers the check-in in under 30 seconds', async ({ page }) => {
    await signIn(page, loginFor('staff'));
    await openNav(page, 'Check-in');
    await expect(page.getByRole('heading', { level: 1, name: 'Weekly well-being check-in' })).toBeVisible();
    await expectNoSeriousViolations(page, 'check-in form');

    const started = Date.now();
    const pick = (question: string, option: string) =>
      page.getByRole('group', { name: question }).getByRole('radio', { name: new RegExp(`^${option}`) }).check();
    await pick('How stressed have you felt at work this week?', '2');
    await pick('Was your workload manageable this week?', 'Yes');
    await pick('Was staffing adequate on your last shift?', 'No');
    await pick('I feel supported by my colleagues.', '4');
    await pick('I feel safe to speak up about mistakes.', '5');
    await pick('Would you like someone from peer support to reach out to you?', 'No');
    await page.getByRole('button', { name: 'Send my answers' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Thank you' })).toBeVisible();
    expect(Date.now() - started).toBeLessThan(30_000);

    // Once a week: after a reload the form is gone.
    await page.reload();
    await expect(page.getByText(/You have already answered the check-in/)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Send my answers' })).toHaveCount(0);
  });

  test('staff see organisation-wide figures only', async ({ page }) => {
    await signIn(page, loginFor('staff'));
    await openNav(page, 'Insights');
    const heatMap = page.getByRole('table', { name: /Share of staff reporting high stress/ });
    await expect(heatMap).toBeVisible();
    await expect(heatMap.getByRole('rowheader')).toHaveText(['Whole organisation']);
    await expect(page.getByRole('heading', { name: 'Hotspots' })).toHaveCount(0);
    await expect(page.getByText(/^Loading/)).toHaveCount(0);
    await expectNoSeriousViolations(page, 'insights (staff)');
  });

  test('a department lead records a shift', async ({ page }) => {
    await signIn(page, loginFor('department_lead'));
    await openNav(page, 'Staffing');
    await expect(page.getByRole('heading', { level: 1, name: 'Staffing' })).toBeVisible();
    // The form starts on today's date: the newest row of the list.
    const today = new Date().toISOString().slice(0, 10);
    await expect(page.getByLabel('Day')).toHaveValue(today);
    await page.getByRole('combobox', { name: 'Shift' }).selectOption({ label: 'Night' });
    await page.getByLabel('Planned staff').fill('8');
    await page.getByLabel('Actual staff').fill('6');
    await page.getByLabel('Patient census (optional)').fill('21');
    await page.getByRole('button', { name: 'Record shift' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'recorded' })).toHaveText(
      `Night shift on ${today} recorded.`,
    );
    const row = page.getByRole('row', { name: new RegExp(today) }).filter({ hasText: 'Night' });
    await expect(row).toContainText('6');
    await expectNoSeriousViolations(page, 'staffing');
  });
});

test.describe('on a tablet', () => {
  test.use({ viewport: { width: 1024, height: 768 } });

  test('the coordinator reads the heat map with a suppressed cell and acts on a hotspot', async ({ page }) => {
    await signIn(page, loginFor('support_coordinator'));
    await openNav(page, 'Insights');
    await expect(page.getByRole('heading', { level: 1, name: 'Insights' })).toBeVisible();

    const heatMap = page.getByRole('table', { name: /Share of staff reporting high stress/ });
    // Pharmacy's three answers a week are stored under no department (too few to keep it);
    // Paediatrics is hidden beside them, so that the organisation's figure cannot give
    // them away.
    const paediatrics = heatMap.getByRole('row', { name: /Paediatrics/ });
    await expect(paediatrics.getByRole('cell').first()).toHaveText('Suppressed');
    await expect(paediatrics.getByRole('cell').filter({ hasText: /^0%$/ })).toHaveCount(0);
    const emergency = heatMap.getByRole('row', { name: /Emergency/ });
    await expect(emergency.getByRole('cell').last()).toHaveText(/^\d+%$/);

    const hotspots = page.getByRole('list', { name: 'Hotspots, worst first' });
    const first = hotspots.getByRole('listitem').first();
    await expect(first.getByRole('heading', { name: 'Emergency' })).toBeVisible();
    await expect(first).toContainText('above the upper control limit');

    await first.getByRole('button', { name: 'See charts for Emergency' }).click();
    const chart = page.getByRole('figure', { name: 'Share of staff reporting high stress (4-5)' });
    await expect(chart).toContainText('above the upper control limit');
    await chart.getByRole('button', { name: /Show as table/ }).click();
    await expect(chart.getByRole('cell', { name: 'Special cause' }).first()).toBeVisible();

    await first.getByRole('button', { name: 'Alert peer supporters for Emergency' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'asked to be available' })).toHaveText(
      '1 peer supporter was asked to be available for Emergency.',
    );
    await expect(page.getByText(/^Loading/)).toHaveCount(0);
    await expectNoSeriousViolations(page, 'insights (coordinator)');

    // Schedule an open forum: the debriefs page opens with the kind and department preset.
    await first.getByRole('link', { name: 'Schedule an open forum for Emergency' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Schedule a debrief' })).toBeVisible();
    await expect(page.getByRole('combobox', { name: 'Kind of debrief' })).toHaveValue('open_forum');
    await expect(page.getByRole('combobox', { name: 'Department' })).toHaveValue(
      (await page.evaluate(() => new URL(location.href).searchParams.get('department_id')))!,
    );
  });

  test('the CSV download carries the same suppressed cells', async ({ page }) => {
    await signIn(page, loginFor('safety_officer'));
    await openNav(page, 'Insights');
    await expect(page.getByRole('table', { name: /Share of staff reporting high stress/ })).toBeVisible();
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV', exact: true }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^haven-insights-.*\.csv$/);
    const { readFile } = await import('node:fs/promises');
    const text = await readFile((await download.path())!, 'utf8');
    const paediatrics = text
      .split('\r\n')
      .filter((line) => line.startsWith('department,Paediatrics,'));
    expect(paediatrics.length).toBeGreaterThan(0);
    expect(paediatrics.every((line) => line.includes(',suppressed,'))).toBe(true);
  });
});
