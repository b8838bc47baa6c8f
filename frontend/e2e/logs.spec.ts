/**
 * Logs that cannot bracket (DESIGN.md: nothing in the logs may bracket an anonymous action or
 * reveal who uses support), proved in Chromium against a real `haven serve`.
 *
 * The attack: an insider with the server's log looks for the lines around an anonymous report
 * (the signed-in person's own requests just before and after it, their address, a request id
 * that an audit row shares). So a staff member signs in, opens the anonymous report flow,
 * sends a report and gets the receipt, then follows the report by its receipt, and opens the
 * anonymous page afresh while signed in: the log must not grow by a single line during any of
 * these, and the whole log must hold no client address.
 *
 * This spec starts its own server (the shared one serves the other specs' browsers at the same
 * time, whose lines would interleave): its own database, at INFO so the access log is on, its
 * output captured to a file, the periodic jobs off (their once-a-minute line is timed but says
 * nothing of anyone; off, the assertion can be "no line at all"). It listens on 127.0.0.2 and
 * the browser connects from 127.0.0.1, so that address can only reach the log as a client's.
 */
import { expect, test, type Browser, type BrowserContext, type Page, type Request } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openNav, signIn, uniqueSuffix, type Login } from './support';

const HOST = '127.0.0.2';
const CLIENT_ADDRESS = '127.0.0.1';
const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const havenBin = process.env.HAVEN_BIN || path.join(frontendDir, '..', '.venv', 'bin', 'haven');

let server: ChildProcess | null = null;
let baseURL = '';
let logPath = '';
let logins: Login[] = [];

test.describe.configure({ mode: 'serial' });

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function log(): string {
  return readFileSync(logPath, 'utf8');
}

/** The log once nothing has been added to it for a moment (lines are written as they come). */
async function settledLog(): Promise<string> {
  let previous = log();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    const now = log();
    if (now === previous) return now;
    previous = now;
  }
}

test.beforeAll(async () => {
  const runDir = process.env.HAVEN_E2E_RUN_DIR;
  if (!runDir) throw new Error('HAVEN_E2E_RUN_DIR is not set: run through playwright.config.ts');
  const dir = path.join(runDir, `logs-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  logPath = path.join(dir, 'server.log');
  const env = {
    ...process.env,
    HAVEN_DATABASE_URL: `sqlite:///${path.join(dir, 'logs.sqlite')}`,
    HAVEN_SECRET_KEY: `${process.env.HAVEN_E2E_SECRET ?? 'x'.repeat(64)}-logs`,
    HAVEN_VAR_DIR: dir,
    HAVEN_WEB_DIR: path.join(frontendDir, 'dist'),
    HAVEN_LOG_LEVEL: 'INFO',
    HAVEN_JOBS_INTERVAL_SECONDS: '0',
    HAVEN_AUTH_ARGON2_TIME_COST: '1',
    HAVEN_AUTH_ARGON2_MEMORY_KIB: '1024',
    HAVEN_AUTH_ARGON2_PARALLELISM: '1',
  };
  const loginsFile = path.join(dir, 'logins.json');
  execFileSync(havenBin, ['db', 'upgrade'], { env, stdio: 'ignore' });
  execFileSync(havenBin, ['seed-demo', '--logins-file', loginsFile], { env, stdio: 'ignore' });
  logins = (JSON.parse(readFileSync(loginsFile, 'utf8')) as { logins: Login[] }).logins;
  const port = await freePort();
  baseURL = `http://${HOST}:${port}`;
  const out = openSync(logPath, 'w');
  server = spawn(havenBin, ['serve', '--host', HOST, '--port', String(port)], { env, stdio: ['ignore', out, out] });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${baseURL}/api/v1/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`haven serve did not start:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

test.afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGINT');
    await exited;
  }
});

async function signedInStaff(browser: Browser): Promise<[BrowserContext, Page]> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const staff = logins.find((l) => l.role === 'staff');
  if (!staff) throw new Error('no staff login');
  await signIn(page, staff);
  await openNav(page, 'My reports');
  await expect(page.getByRole('heading', { level: 1, name: 'My reports' })).toBeVisible();
  return [context, page];
}

/** Every request the page sends while `during` runs, as "METHOD path authorization?". */
async function requestsDuring(page: Page, during: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const record = (request: Request) => {
    const url = new URL(request.url());
    seen.push(`${request.method()} ${url.pathname}${request.headers()['authorization'] ? ' +authorization' : ''}`);
  };
  page.on('request', record);
  try {
    await during();
  } finally {
    page.off('request', record);
  }
  return seen;
}

test('signed in, reporting anonymously and following the report leave nothing in the log', async ({ browser }) => {
  const [context, page] = await signedInStaff(browser);
  const description = `A bed rail was left down on the night shift ${uniqueSuffix()}`;

  const beforeReport = await settledLog();
  // The log is on and records this person's ordinary signed-in requests.
  expect(beforeReport).toMatch(/haven\.access \[[0-9a-f]{32}\] GET \/api\/v1\/me 200/);
  expect(beforeReport).toMatch(/GET \/api\/v1\/reports\/mine 200/);

  let receipt = '';
  const reportRequests = await requestsDuring(page, async () => {
    await openNav(page, 'Report anonymously');
    await expect(page.getByRole('heading', { level: 1, name: 'Report anonymously' })).toBeVisible();
    await page.getByRole('radio', { name: 'Near miss', exact: true }).check();
    await page.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'Fall' });
    await page.getByLabel('What happened?').fill(description);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('combobox', { name: 'Department' }).selectOption({ label: 'Emergency' });
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'No harm', exact: true }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByRole('heading', { name: /Check and send/ })).toBeVisible();
    await page.getByRole('button', { name: 'Send report' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Report sent anonymously' })).toBeVisible();
    receipt = await page.getByLabel('Receipt code').inputValue();
  });
  const afterReport = await settledLog();

  expect(receipt).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
  // The form's data and the report went by the anonymous path only, without the sign-in.
  expect(reportRequests).toEqual(['GET /api/v1/anonymous/form', 'POST /api/v1/anonymous/reports']);
  expect(afterReport.slice(beforeReport.length), 'lines logged during the anonymous report').toBe('');

  // Leaving the receipt is an ordinary signed-in moment again.
  await page.getByRole('checkbox', { name: 'I have saved my receipt somewhere safe' }).check();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Learning feed' })).toBeVisible();

  const beforeFollowing = await settledLog();
  const followRequests = await requestsDuring(page, async () => {
    await openNav(page, 'Follow an anonymous report');
    await expect(page.getByRole('heading', { level: 1, name: 'Follow an anonymous report' })).toBeVisible();
    await page.getByLabel('Receipt code').fill(receipt);
    await page.getByRole('button', { name: 'Open my report' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Your anonymous report' })).toBeVisible();
    await expect(page.getByText(description)).toBeVisible();
  });
  const afterFollowing = await settledLog();

  expect(followRequests.every((r) => r.includes('/api/v1/anonymous/')), followRequests.join('\n')).toBe(true);
  expect(followRequests.filter((r) => r.startsWith('POST /api/v1/anonymous/session'))).toHaveLength(1);
  expect(afterFollowing.slice(beforeFollowing.length), 'lines logged while following the report').toBe('');

  expect(afterFollowing).not.toContain(CLIENT_ADDRESS);
  expect(afterFollowing).not.toContain(receipt);
  await context.close();
});

test('opened afresh while signed in, the anonymous page restores no session and leaves nothing in the log', async ({
  browser,
}) => {
  const [context, page] = await signedInStaff(browser);
  const before = await settledLog();

  const requests = await requestsDuring(page, async () => {
    await page.goto('/report-anonymously');
    await expect(page.getByRole('heading', { level: 1, name: 'Report anonymously' })).toBeVisible();
    await expect(page.getByRole('combobox', { name: 'Category' })).toBeVisible();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByText('Choose what kind of event it was.')).toBeVisible();
  });
  const after = await settledLog();

  // No refresh, no "who am I": the page and its files are quiet, and so is the form's data.
  expect(requests.filter((r) => r.startsWith('POST /api/v1/auth') || r.includes('/api/v1/me'))).toEqual([]);
  expect(requests.filter((r) => r.includes('+authorization'))).toEqual([]);
  expect(requests).toContain('GET /api/v1/anonymous/form');
  expect(after.slice(before.length), 'lines logged while the anonymous page was opened').toBe('');
  expect(after).not.toContain(CLIENT_ADDRESS);

  // The session was only left alone: moving on to a signed-in page restores it.
  await page.getByRole('link', { name: 'Sign in' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();
  await context.close();
});
