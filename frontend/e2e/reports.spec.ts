/**
 * Reports end to end (issue 3): an anonymous report from a phone followed by its receipt,
 * and a named report through the whole workflow to a lesson that staff read. Every page
 * on the way is checked with axe-core.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { loginFor, openNav, signIn, uniqueSuffix } from './support';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 900 } };
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

async function expectAccessible(page: Page, label: string): Promise<void> {
  await expect(page.getByText(/^Loading/)).toHaveCount(0);
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `${label}: serious or critical accessibility violations`).toEqual([]);
}

/** Every key and value in localStorage and sessionStorage, as one string. */
async function webStorage(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts: string[] = [];
    for (const store of [localStorage, sessionStorage]) {
      for (let i = 0; i < store.length; i++) {
        const key = store.key(i)!;
        parts.push(key, store.getItem(key) ?? '');
      }
    }
    return parts.join('\n');
  });
}

async function newPage(browser: Browser, options: object): Promise<[BrowserContext, Page]> {
  const context = await browser.newContext(options);
  return [context, await context.newPage()];
}

async function next(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Next' }).click();
}

/** The report queue filtered by reporting mode, then the report whose text is given. */
async function openFromQueue(page: Page, mode: 'Anonymous' | 'Named', text: string): Promise<void> {
  await openNav(page, 'Report queue');
  await expect(page.getByRole('heading', { level: 1, name: 'Triage queue' })).toBeVisible();
  await page.getByText('More filters').click();
  await page.getByRole('combobox', { name: 'Reporting mode' }).selectOption({ label: mode });
  await expect(page).toHaveURL(new RegExp(`mode=${mode.toLowerCase()}`));
  // Other journeys run against the same server: find this one by its own words.
  const report = page.getByRole('list', { name: 'Reports' }).getByRole('listitem').filter({ hasText: text });
  await expect(report).toHaveCount(1);
  await expectAccessible(page, 'triage queue');
  await report.getByRole('link').first().click();
}

// Long journeys across three people, with axe checks on every page: minutes on a busy machine.
test.describe.configure({ timeout: 300_000 });

test('a nurse reports anonymously on a phone, the safety team answers, and the nurse follows the receipt signed out', async ({
  browser,
}) => {
  const description = `Insulin pen stored with the heparin pens in the night fridge ${uniqueSuffix()}`;
  const [nurseContext, nurse] = await newPage(browser, PHONE);
  await nurseContext.grantPermissions(['clipboard-read', 'clipboard-write']);

  // The nurse writes the report on a phone.
  await signIn(nurse, loginFor('staff'));
  await openNav(nurse, 'Report an event');
  await expect(nurse.getByRole('heading', { level: 1, name: 'Report an event' })).toBeVisible();
  await expectAccessible(nurse, 'report wizard, step 1');
  await nurse.getByRole('radio', { name: 'Incident', exact: true }).check();
  await nurse.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'Medication or other substance' });
  await nurse.getByLabel('What happened?').fill('MRN 4471923 was on the pen');
  await expect(nurse.getByText('“MRN 4471923” looks like a medical record number.')).toBeVisible();
  await expectAccessible(nurse, 'report wizard, PHI warning');
  await nurse.getByLabel('What happened?').fill(description);
  await expect(nurse.getByText('This may identify a patient.')).toHaveCount(0);
  await nurse.getByLabel('What was done straight away? (optional)').fill('Pens separated, pharmacy told.');
  await next(nurse);

  await expect(nurse.getByRole('heading', { name: /Step 2 of 5/ })).toBeVisible();
  await expect(nurse.getByRole('combobox', { name: 'Department' })).toHaveValue(/.+/);
  await nurse.getByLabel('Where exactly? (optional)').fill('Medication room');
  await nurse.getByRole('radio', { name: 'Night', exact: true }).check();
  await expectAccessible(nurse, 'report wizard, step 2');
  await next(nurse);

  await expect(nurse.getByRole('heading', { name: /Step 3 of 5/ })).toBeVisible();
  await nurse.getByRole('radio', { name: 'Moderate harm', exact: true }).check();
  await nurse.getByRole('radio', { name: 'E', exact: true }).check();
  await expectAccessible(nurse, 'report wizard, step 3');
  await next(nurse);

  await nurse.getByRole('checkbox', { name: /^Handoff or handover/ }).check();
  await next(nurse);

  // A draft is kept until the report is sent.
  expect(await webStorage(nurse)).toContain(description);
  await nurse.getByRole('radio', { name: 'Anonymous', exact: true }).check();
  await expect(nurse.getByText(/nothing in the request says who you are/)).toBeVisible();
  await expectAccessible(nurse, 'report wizard, step 5');
  await nurse.getByRole('button', { name: 'Send report' }).click();

  // The receipt is shown once, with a copy button and a confirmation before leaving.
  await expect(nurse.getByRole('heading', { level: 1, name: 'Report sent anonymously' })).toBeVisible();
  const receipt = await nurse.getByLabel('Receipt code').inputValue();
  expect(receipt).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
  await nurse.getByRole('button', { name: 'Copy' }).click();
  await expect(nurse.getByText('Copied to the clipboard.')).toBeVisible();
  // Moderate harm: peer support is offered straight away.
  await expect(nurse.getByRole('link', { name: 'Get support' })).toHaveAttribute('href', '/support');
  await expectAccessible(nurse, 'anonymous receipt');
  const storedAfterSending = await webStorage(nurse);
  expect(storedAfterSending).not.toContain(receipt);
  expect(storedAfterSending).not.toContain(description);
  expect(storedAfterSending).not.toContain('haven.report-draft');

  const done = nurse.getByRole('button', { name: 'Done' });
  await expect(done).toBeDisabled();
  await nurse.getByRole('checkbox', { name: 'I have saved my receipt somewhere safe' }).check();
  await done.click();
  await expect(nurse.getByRole('heading', { level: 1, name: 'Learning feed' })).toBeVisible();
  expect(await webStorage(nurse)).toBe('');
  await nurseContext.close();

  // The safety officer triages it and writes to the reporter.
  const [officerContext, officer] = await newPage(browser, DESKTOP);
  await signIn(officer, loginFor('safety_officer'));
  await openFromQueue(officer, 'Anonymous', description);
  await expect(officer.getByText(description)).toBeVisible();
  await expect(officer.getByText(/Anonymous: nothing about the reporter is stored/)).toBeVisible();
  await officer.getByRole('button', { name: 'Mark as triaged' }).click();
  await expect(officer.getByRole('status').filter({ hasText: 'Status is now' })).toHaveText('Status is now “Triaged”.');
  const question = `Thank you. Was the fridge label missing that night? ${uniqueSuffix()}`;
  await officer.getByLabel('Write to the reporter').fill(question);
  await officer.getByRole('button', { name: 'Send message' }).click();
  await expect(officer.getByRole('list', { name: 'Messages with the anonymous reporter' })).toContainText(question);
  await expectAccessible(officer, 'report page (anonymous)');
  await officerContext.close();

  // The nurse, signed out on the phone, follows the receipt and reads the message.
  const [followContext, follower] = await newPage(browser, PHONE);
  await follower.goto('/sign-in');
  await follower.getByRole('link', { name: 'Follow an anonymous report' }).click();
  await expect(follower.getByRole('heading', { level: 1, name: 'Follow an anonymous report' })).toBeVisible();
  await expectAccessible(follower, 'follow an anonymous report (form)');
  await follower.getByLabel('Receipt code').fill('WRONG-RECEIPT-0000-0000');
  await follower.getByRole('button', { name: 'Open my report' }).click();
  await expect(follower.getByRole('alert')).toContainText('That receipt does not match a report.');
  await follower.getByLabel('Receipt code').fill(receipt.toLowerCase());
  const session = follower.waitForResponse((r) => r.url().endsWith('/api/v1/anonymous/session'));
  await follower.getByRole('button', { name: 'Open my report' }).click();
  const sessionResponse = await session;
  expect(sessionResponse.request().url()).not.toContain(receipt);
  expect(sessionResponse.headers()['cache-control']).toBe('no-store');
  await expect(follower.getByRole('heading', { level: 1, name: 'Your anonymous report' })).toBeVisible();
  await expect(follower.getByText('Triaged', { exact: true })).toBeVisible();
  const thread = follower.getByRole('list', { name: 'Messages with the safety team' });
  await expect(thread).toContainText(question);
  await expect(thread).toContainText('Safety team (Dr Maria Santos)');
  await follower.getByLabel('Write to the safety team').fill('Yes, the label had fallen off.');
  await follower.getByRole('button', { name: 'Send message' }).click();
  await expect(thread).toContainText('Yes, the label had fallen off.');
  await expectAccessible(follower, 'follow an anonymous report (open)');
  expect(follower.url()).not.toContain(receipt);
  expect(await webStorage(follower)).toBe('');
  await follower.getByRole('button', { name: 'Close this report' }).click();
  await expect(follower.getByRole('heading', { level: 1, name: 'Follow an anonymous report' })).toBeVisible();
  await expect(follower.getByLabel('Receipt code')).toHaveValue('');
  expect(await webStorage(follower)).toBe('');
  await followContext.close();
});

test('a named report goes through the whole workflow to a lesson that staff read', async ({ browser }) => {
  const suffix = uniqueSuffix();
  const description = `Patient slipped on an unsigned wet floor near the nurses' station ${suffix}`;
  const lessonTitle = `Wet floors are signed within five minutes ${suffix}`;
  const outcome = `Cleaning rota changed and signs placed at every station ${suffix}`;

  // Staff report with their name.
  const [staffContext, staff] = await newPage(browser, PHONE);
  await signIn(staff, loginFor('staff'));
  await openNav(staff, 'Report an event');
  await staff.getByRole('radio', { name: 'Incident', exact: true }).check();
  await staff.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'Fall' });
  await staff.getByLabel('What happened?').fill(description);
  await next(staff);
  await next(staff);
  await staff.getByRole('radio', { name: 'Mild harm', exact: true }).check();
  await next(staff);
  await staff.getByRole('checkbox', { name: /^Environment/ }).check();
  await next(staff);
  await staff.getByRole('radio', { name: 'Named', exact: true }).check();
  await staff.getByRole('button', { name: 'Send report' }).click();
  await expect(staff.getByRole('heading', { level: 1, name: 'Report sent' })).toBeVisible();
  await expect(staff.getByRole('link', { name: 'Get support' })).toHaveCount(0);
  expect(await webStorage(staff)).not.toContain(description);
  await staff.getByRole('link', { name: 'My reports' }).click();
  const mine = staff.getByRole('list', { name: 'My reports' }).getByRole('listitem').filter({ hasText: description });
  await expect(mine).toContainText('Received');
  await expectAccessible(staff, 'my reports');

  // The safety officer works it through.
  const [officerContext, officer] = await newPage(browser, DESKTOP);
  await signIn(officer, loginFor('safety_officer'));
  await openFromQueue(officer, 'Named', description);
  await expect(officer.getByText(description)).toBeVisible();
  await expect(officer.getByText('Sam Okafor (named)')).toBeVisible();
  await expect(officer.getByRole('link', { name: 'Schedule a debrief' })).toHaveAttribute(
    'href',
    new RegExp(`^/debriefs/new\\?report_id=${officer.url().split('/').pop()}$`),
  );

  // A second tab on the same report goes stale when the first one moves it on.
  const stale = await officerContext.newPage();
  await stale.goto(officer.url());
  await expect(stale.getByRole('button', { name: 'Mark as triaged' })).toBeVisible();

  await officer.getByRole('button', { name: 'Mark as triaged' }).click();
  await expect(officer.getByText('Status is now “Triaged”.')).toBeVisible();
  await stale.getByRole('button', { name: 'Mark as triaged' }).click();
  await expect(stale.getByRole('alert')).toContainText('Someone else changed this report');
  await stale.getByRole('button', { name: 'Reload the report' }).click();
  await expect(stale.getByRole('button', { name: 'Start the review' })).toBeVisible();
  await stale.close();

  await officer.getByRole('button', { name: 'Start the review' }).click();
  await expect(officer.getByText('Status is now “Under review”.')).toBeVisible();

  // Triage: the words the reporter will read.
  await officer.getByLabel('What was done, for the reporter').fill(outcome);
  await officer.getByRole('button', { name: 'Save triage' }).click();
  await expect(officer.getByText('Triage saved.')).toBeVisible();

  // The staff involved, found by name.
  await officer.getByRole('searchbox', { name: 'Find a person by name' }).fill('okaf');
  await officer.getByRole('list', { name: 'People found' }).getByRole('button', { name: 'Add Sam Okafor' }).click();
  await officer.getByRole('button', { name: 'Save involved staff' }).click();
  await expect(officer.getByText('Involved staff and scenarios saved.')).toBeVisible();
  await expect(officer.getByRole('button', { name: 'Remove Sam Okafor' })).toBeVisible();

  // The just-culture guide, one question at a time.
  await officer.getByLabel('Action or omission to review').fill('The wet floor was not signed');
  await officer.getByRole('button', { name: 'Start a review' }).click();
  const answer = async (question: string, choice: 'Yes' | 'No', evidence: string) => {
    await expect(officer.getByRole('heading', { name: question })).toBeVisible();
    await officer.getByRole('radio', { name: choice, exact: true }).check();
    await officer.getByLabel('Evidence').fill(evidence);
    await officer.getByRole('button', { name: 'Save and continue' }).click();
  };
  await answer('Was there any intention to cause harm?', 'No', 'Statements from the team.');
  await answer('Are there indications of substance abuse?', 'No', 'None.');
  await expectAccessible(officer, 'just-culture guide');
  await answer('Are there indications of physical or mental ill health?', 'No', 'None.');
  await answer('Were there agreed protocols or accepted practice in place?', 'Yes', 'Spill procedure 4.2.');
  await answer('Were the protocols workable and in routine use?', 'No', 'Signs are kept in a locked store.');
  await expect(officer.getByRole('heading', { name: /^Outcome D:/ })).toBeVisible();
  await expect(officer.getByText(/This outcome points away from action against the individual/)).toBeVisible();
  await expect(officer.getByText(/C, D, E, F point away from individual action/)).toBeVisible();
  await officer.getByRole('button', { name: 'Complete the review' }).click();
  await expect(officer.getByText('Name at least one contributing system factor.')).toBeVisible();
  await officer.getByRole('group', { name: /Contributing system factors/ }).getByRole('checkbox', { name: 'Environment' }).check();
  await officer.getByRole('button', { name: 'Complete the review' }).click();
  await expect(officer.getByText('The review is complete.')).toBeVisible();
  await expectAccessible(officer, 'just-culture outcome');

  await officer.getByRole('button', { name: 'Action planned' }).click();
  await expect(officer.getByText('Status is now “Action planned”.')).toBeVisible();

  // The lesson, linked to the report.
  await officer.getByRole('button', { name: 'Write a lesson' }).click();
  await officer.getByLabel('Title').fill(lessonTitle);
  await officer.getByLabel('What we learned').fill('Signs were locked away, so spills went unsigned on busy shifts.');
  await officer.getByLabel('Actions taken (one per line)').fill('Signs at every station\nSpill kit checked each shift');
  await officer.getByRole('button', { name: 'Publish the lesson' }).click();
  await expect(officer.getByText(`Lesson “${lessonTitle}” published to the learning feed.`)).toBeVisible();
  await expect(officer.getByRole('list', { name: 'Lessons from this report' })).toContainText(lessonTitle);

  await officer.getByRole('button', { name: 'Close the report' }).click();
  await expect(officer.getByText('Status is now “Closed”.')).toBeVisible();
  await expect(officer.getByText('No further moves: this report’s workflow has ended.')).toBeVisible();
  await expectAccessible(officer, 'report page (closed)');
  await officerContext.close();

  // The department lead sees the report in the department's list, without the workflow.
  const [leadContext, lead] = await newPage(browser, PHONE);
  await signIn(lead, loginFor('department_lead'));
  await openNav(lead, 'Report queue');
  await expect(lead.getByRole('heading', { level: 1, name: 'Department reports' })).toBeVisible();
  await expect(lead.getByRole('combobox', { name: 'Department' })).toHaveCount(0);
  await expectAccessible(lead, 'department reports');
  await lead.getByText('More filters').click();
  await lead.getByRole('combobox', { name: 'Reporting mode' }).selectOption({ label: 'Named' });
  await expect(lead).toHaveURL(/mode=named/);
  // Other journeys file named reports in the same department: open this one by its words.
  const leadsRow = lead.getByRole('list', { name: 'Reports' }).getByRole('listitem').filter({ hasText: suffix });
  await expect(leadsRow).toHaveCount(1);
  await leadsRow.getByRole('link').first().click();
  await expect(lead.getByText(description)).toBeVisible();
  await expect(lead.getByText('Sam Okafor (named)')).toBeVisible();
  await expect(lead.getByRole('heading', { name: 'Workflow' })).toHaveCount(0);
  await leadContext.close();

  // The reporter sees the outcome and the lesson; all staff read it on the learning feed.
  await staff.reload();
  await expect(mine).toContainText('Closed');
  await expect(mine).toContainText(outcome);
  await expect(mine.getByRole('link', { name: lessonTitle })).toBeVisible();
  await openNav(staff, 'Learning feed');
  await expect(staff.getByRole('heading', { level: 1, name: 'Learning feed' })).toBeVisible();
  await expectAccessible(staff, 'learning feed');
  await staff.getByRole('list', { name: 'Lessons' }).getByRole('link', { name: lessonTitle }).click();
  await expect(staff.getByRole('heading', { level: 1, name: lessonTitle })).toBeVisible();
  await expect(staff.getByRole('listitem').filter({ hasText: 'Spill kit checked each shift' })).toBeVisible();
  await expect(staff.getByText(description)).toHaveCount(0);
  await expectAccessible(staff, 'lesson');
  await staffContext.close();
});
