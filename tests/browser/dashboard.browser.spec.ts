import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FineTuneResultSchema } from '@potluck/protocol';
import { PotluckClient } from '@potluck/sdk';
import { sampleChatRows } from '@potluck/trainer';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startAgent } from '../support/agent.js';
import { launchChromium, screenshot } from '../support/browser.js';
import { startCoordinator, type CoordinatorProcess } from '../support/coordinator.js';
import { seedGrantedCredit } from '../support/credits.js';
import { uniqueId } from '../support/database.js';
import { REPO_ROOT } from '../support/paths.js';
import type { Running } from '../support/process.js';

/**
 * The built dashboard (apps/web/dist), served by the real coordinator, driven in headless
 * Chromium, with real simulated agents doing the work. Screenshots go to tmp/screenshots.
 */
const work = mkdtempSync(join(tmpdir(), 'potluck-browser-'));
let coordinator: CoordinatorProcess;
let admin: PotluckClient;
let browser: Browser;
const agents: Running[] = [];

/** A copy of the simulated rig with its own GPU UUIDs, so two local agents do not share GPUs. */
function rigCsv(name: string): string {
  const csv = readFileSync(join(REPO_ROOT, 'examples/simulated-rig.csv'), 'utf8').replace(/GPU-([0-9a-f]{8})/g, (_, head: string) => `GPU-${createHash('sha256').update(name + head).digest('hex').slice(0, 8)}`);
  const path = join(work, `${name}.csv`);
  writeFileSync(path, csv);
  return path;
}

function simulatedAgent(name: string, token: string): Running {
  const agent = startAgent(['start', '--coordinator', coordinator.url, '--simulate', rigCsv(name), '--control-socket', join(work, `${name}.sock`)], { POTLUCK_AGENT_TOKEN: token });
  agents.push(agent);
  return agent;
}

/** A fresh browser context; when the test fails, its page is saved as tmp/screenshots/failed-<name>.png. */
async function newPage(name: string): Promise<{ context: BrowserContext; page: Page; cspViolations: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  // The page runs under the coordinator's Content-Security-Policy; anything it blocks is a bug.
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  onTestFailed(async () => {
    await screenshot(page, `failed-${name}`).catch(() => undefined);
  });
  return { context, page, cspViolations };
}

async function signIn(page: Page, apiKey: string): Promise<void> {
  await page.goto(`${coordinator.url}/sign-in`);
  await page.getByLabel('API key', { exact: true }).fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'apps/web/dist/index.html'))) throw new Error('apps/web/dist is not built: run bash scripts/build.sh first');
  coordinator = await startCoordinator({ POTLUCK_TELEMETRY_INTERVAL_MS: '1000', POTLUCK_LIVE_THROTTLE_MS: '250', POTLUCK_BOARD_CATCHUP_EVERY_MS: '1000' });
  admin = new PotluckClient({ baseUrl: coordinator.url, apiKey: coordinator.adminKey });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const agent of agents) await agent.stop('SIGKILL');
  await coordinator?.dispose();
});

describe('the dashboard in a browser', () => {
  it('a visitor opens the leaderboard and sees contributors ranked by credit', async () => {
    const people = await Promise.all(
      [
        ['ada', '12.5'],
        ['grace', '40.25'],
        ['linus', '3'],
      ].map(async ([name, amount]) => {
        const created = await admin.users.create({ handle: uniqueId(`${name}-`), displayName: `${name} (test)`, roles: ['DONOR'] });
        return { handle: created.user.handle, userId: created.user.id, amount: amount ?? '0', secret: created.secret };
      }),
    );
    await seedGrantedCredit(coordinator.databaseUrl, people.map(({ userId, amount }) => ({ userId, amount })));
    // The coordinator's board catch-up (every second here) applies the entries.
    await expect.poll(async () => (await admin.credits.board({})).total, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);

    const { context, page, cspViolations } = await newPage('visitor');
    await page.goto(`${coordinator.url}/`);
    await page.getByRole('heading', { name: 'Leaderboard' }).waitFor();
    const rows = page.locator('table.board tbody tr');
    await rows.first().waitFor();
    const handles = await rows.locator('td:nth-child(2) .muted').allInnerTexts();
    expect(handles.map((text) => text.trim().replace(/^@/, ''))).toEqual([people[1]?.handle, people[0]?.handle, people[2]?.handle]);
    expect(await rows.locator('td.num').allInnerTexts()).toEqual(['40.25', '12.5', '3']);
    await screenshot(page, 'leaderboard');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'leaderboard-phone-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 900 });

    // A contributor's profile opens from the board.
    await page.getByRole('link', { name: 'grace (test)' }).click();
    await page.getByRole('heading', { name: 'grace (test)' }).waitFor();
    await expect.poll(() => page.getByText('Rank, all time').isVisible()).toBe(true);
    await screenshot(page, 'contributor-profile');

    // Signed in, a contributor sees their own row highlighted.
    await signIn(page, people[0]?.secret ?? '');
    await page.getByRole('link', { name: 'Leaderboard' }).click();
    const mine = page.locator('table.board tbody tr.mine');
    await mine.waitFor();
    expect(await mine.innerText()).toContain(`@${people[0]?.handle ?? ''}`);
    expect(await mine.getAttribute('aria-current')).toBe('true');
    await screenshot(page, 'leaderboard-signed-in');

    // The team and GPU-class boards say when they are empty.
    await page.getByLabel('Board', { exact: true }).selectOption('teams');
    await page.getByText('Nobody has earned credit in this window yet.').waitFor();
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('a builder signs in, uploads a dataset (a broken one is refused by line), fine-tunes it, watches the loss curve and downloads the adapter', async () => {
    const donor = await admin.users.create({ handle: uniqueId('rig-owner-'), displayName: 'Rig owner', roles: ['DONOR'] });
    const registered = await admin.withApiKey(donor.secret).agents.create({ name: 'community-rig' });
    await simulatedAgent('community-rig', registered.token).waitFor(/connected as agent/);
    const builder = await admin.users.create({ handle: uniqueId('builder-'), displayName: 'Builder', roles: ['BUILDER'] });

    const { context, page, cspViolations } = await newPage('builder');
    await signIn(page, builder.secret);

    await page.goto(`${coordinator.url}/datasets/new`);
    await page.getByLabel('Name').fill('browser-chats');
    await page.getByLabel('Licence').fill('CC0-1.0');
    await page.getByRole('button', { name: 'Create dataset' }).click();
    await page.getByRole('heading', { name: 'browser-chats' }).waitFor();
    const datasetId = page.url().split('/').at(-1) ?? '';

    const good = sampleChatRows(300, 7).map((row) => JSON.stringify(row));
    await page.getByLabel('JSONL file').setInputFiles({ name: 'broken.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(`${good[0]}\n{"messages": [\n${good[1]}\n`) });
    await page.getByRole('button', { name: 'Upload' }).click();
    const lineErrors = page.getByRole('list', { name: 'Errors by line' });
    await lineErrors.waitFor();
    expect(await lineErrors.innerText()).toMatch(/Line 2/);
    await screenshot(page, 'dataset-line-errors');

    await page.getByLabel('JSONL file').setInputFiles({ name: 'chats.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(`${good.join('\n')}\n`) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('Uploaded as version 1: 300 rows, chat form.').waitFor();
    await page.getByRole('list', { name: /First \d+ rows/ }).waitFor();
    await screenshot(page, 'dataset');
    const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download version 1 as JSONL' }).click()]);
    await jsonl.saveAs(join(work, 'chats.jsonl'));
    expect(readFileSync(join(work, 'chats.jsonl'), 'utf8')).toBe(`${good.join('\n')}\n`);

    await page.goto(`${coordinator.url}/jobs/new`);
    await page.getByLabel('Base model').selectOption('potluck-tiny-byte-v1');
    await page.getByLabel('Dataset', { exact: true }).selectOption(`${datasetId}@1`);
    // The schema's limits are checked inline before anything is sent.
    await page.getByLabel('Steps', { exact: true }).fill('0');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await expect.poll(async () => page.locator('.field-invalid').filter({ hasText: 'Steps' }).innerText()).toMatch(/>=\s*1|too small/i);
    await screenshot(page, 'job-form-error');
    await page.getByLabel('Steps', { exact: true }).fill('80');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const jobId = page.url().split('/').at(-1) ?? '';

    await page.locator('h1 .badge', { hasText: 'succeeded' }).waitFor({ timeout: 120_000 });
    await page.getByRole('img', { name: 'Training loss by step' }).waitFor();
    await page.getByText('Attempt 1 succeeded').waitFor();
    // The agent's log lines for the job, as it wrote them.
    await page.getByRole('list', { name: 'Job log' }).locator('li').first().waitFor();
    await screenshot(page, 'fine-tune-job');

    const result = FineTuneResultSchema.parse((await admin.jobs.get(jobId)).result);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Download adapter/ }).click()]);
    const saved = join(work, 'adapter.bin');
    await download.saveAs(saved);
    expect(download.suggestedFilename()).toBe(`adapter-${jobId}.bin`);
    expect(createHash('sha256').update(readFileSync(saved)).digest('hex')).toBe(result.adapterSha256);

    // A job no GPU can take waits, the page says why, and the builder cancels it.
    await page.goto(`${coordinator.url}/jobs/new`);
    await page.getByLabel('Base model').selectOption('potluck-tiny-byte-v1');
    await page.getByLabel('Dataset', { exact: true }).selectOption(`${datasetId}@1`);
    await page.getByLabel('Minimum VRAM (MiB)').fill('900000');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const why = page.getByRole('region', { name: 'Why is this waiting?' });
    await expect.poll(async () => why.innerText(), { timeout: 20_000 }).toMatch(/No agent in the fleet can take it right now[\s\S]*not enough VRAM \(needs 1 GPU\(s\) with ≥ 900,000 MiB/);
    await screenshot(page, 'job-waiting');
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.locator('h1 .badge', { hasText: 'cancelled' }).waitFor();
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('a donor creates an agent token, starts the agent, pauses a GPU, and the fleet page shows the reason', async () => {
    const donor = await admin.users.create({ handle: uniqueId('donor-'), displayName: 'Donor', roles: ['DONOR'] });
    const { context, page, cspViolations } = await newPage('donor');
    await signIn(page, donor.secret);
    await page.goto(`${coordinator.url}/donate`);
    await page.getByLabel('Agent name').fill('dashboard-rig');
    await page.getByRole('button', { name: 'Create agent token' }).click();
    const command = await page.locator('pre.command').innerText();
    expect(command).toContain(`potluck-agent start --coordinator ${coordinator.url} --token pat_`);
    const token = /--token (\S+)/.exec(command)?.[1] ?? '';
    await screenshot(page, 'donate-token');

    await simulatedAgent('dashboard-rig', token).waitFor(/connected as agent/);
    const pause = page.getByRole('button', { name: 'Pause GPU 1' });
    await expect.poll(() => pause.isEnabled(), { timeout: 20_000 }).toBe(true);
    await pause.click();
    await page.getByText('GPU 1 paused.').waitFor();
    await page.getByRole('button', { name: 'Resume GPU 1' }).waitFor({ timeout: 20_000 });
    await screenshot(page, 'donate-agents');

    await page.getByRole('link', { name: 'Fleet' }).click();
    const card = page.getByRole('article', { name: 'dashboard-rig' });
    const gpu = card.getByRole('region', { name: /GPU 1:/ });
    await expect.poll(async () => gpu.innerText(), { timeout: 20_000 }).toMatch(/paused[\s\S]*paused from the dashboard/);
    await expect.poll(async () => page.getByText('● Live updates on').isVisible()).toBe(true);
    // The page loaded once; each further point of a sparkline came with a live push of the agent's samples.
    const utilisation = card.getByRole('region', { name: /GPU 0:/ }).getByRole('img', { name: 'Utilisation, recent samples' }).locator('path');
    await expect.poll(async () => ((await utilisation.count()) > 0 ? ((await utilisation.getAttribute('d')) ?? '').split('L').length : 0), { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    await screenshot(page, 'fleet');
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('an admin manages users, creates an API key and reads the audit log', async () => {
    const { context, page, cspViolations } = await newPage('admin');
    await signIn(page, coordinator.adminKey);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByRole('cell', { name: 'admin', exact: true }).waitFor();
    await screenshot(page, 'admin-users');

    await page.getByRole('link', { name: 'Keys & tokens' }).click();
    await page.getByLabel('Key name', { exact: true }).fill('ci-key');
    await page.getByRole('button', { name: 'Create API key' }).click();
    expect(await page.locator('.secret code').innerText()).toMatch(/^pk_/);
    await page.getByRole('cell', { name: 'ci-key' }).waitFor();
    await screenshot(page, 'admin-tokens');

    // Loaded directly (a bookmark or a reload), not through the menu: the coordinator serves the app for it.
    await page.goto(`${coordinator.url}/admin/audit`);
    await page.getByRole('cell', { name: 'admin.bootstrap' }).waitFor();
    await screenshot(page, 'admin-audit');
    expect(cspViolations).toEqual([]);
    await context.close();
  });
});
