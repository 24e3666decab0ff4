import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import { Fleet } from '../support/fleet.js';
import { WebhookReceiver } from '../support/receiver.js';
import { FlakyService, smtpLike } from '../support/tcp-server.js';

/** Screenshots of each page, for people (test/artifacts/ is ignored by git). */
const ARTIFACTS = new URL('../artifacts/', import.meta.url);

interface CheckRow {
  agent: string;
  checkId: string;
  name: string;
  status: string;
}

interface WebhookBody {
  alerts: { generatorURL: string; labels: Record<string, string> }[];
}

/**
 * The operator's web UI in a real browser (Debian's chromium), against a real controller and agent
 * probing real ports: sign in, a port that stops shows as down without a reload, the webhook's
 * generatorURL opens the incident, Acknowledge is recorded, Test now shows a transcript.
 */
describe('the web UI', () => {
  const fleet = new Fleet({ redis: false });
  const receiver = new WebhookReceiver();
  const web = new FlakyService();
  const mail = new FlakyService(smtpLike);
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let webId = '';
  let mailId = '';

  const shot = (name: string, on: Page = page) =>
    on.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, fullPage: true });

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    [browser] = await Promise.all([
      chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      }),
      fleet.start(),
      receiver.start(),
      web.start(),
      mail.start(),
    ]);
    await fleet.controller.applyPolicy(`
alertGroups:
  ops:
    name: Ops
    channels: [{ webhook: { url: '${receiver.url}' } }]
checks:
  - { name: Web, port: ${web.port}, interval: 1s, timeout: 500ms, failuresBeforeAlert: 2, alertGroup: ops }
  - { name: Mail, port: ${mail.port}, send: HELO x, crlf: true, expect: '250', transcript: true, interval: 10s, timeout: 1s, alertGroup: ops }
`);
    await fleet.addAgent('web-1', { role: 'web', site: 'paris' });
    const checks = await until('both checks up', async () => {
      const { checks } = await fleet.api<{ checks: CheckRow[] }>('/api/v1/checks');
      return checks.filter((c) => c.status === 'up').length === 2 && checks;
    });
    webId = checks.find((c) => c.name === 'Web')!.checkId;
    mailId = checks.find((c) => c.name === 'Mail')!.checkId;
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await fleet.stop();
    await Promise.all([receiver.stop(), web.stop(), mail.stop()]);
  });

  it('refuses a bad token with the API error, and signs in with a good one', async () => {
    await page.goto(fleet.httpUrl);
    await page.fill('input[name=token]', 'pw_not-a-real-token');
    await page.click('button[type=submit]');
    const error = page.getByRole('alert');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/token/i);
    await shot('sign-in');

    await page.fill('input[name=token]', fleet.admin.token);
    await page.click('button[type=submit]');
    await page.waitForSelector(`[data-agent="web-1"][data-check="${webId}"][data-state=up]`);
    await page.waitForSelector(`[data-agent="web-1"][data-check="${mailId}"][data-state=up]`);
    await shot('board');
  });

  it('shows a port that just stopped as down within 5 s, without a reload', async () => {
    await page.evaluate(() => Object.assign(globalThis, { notReloaded: true }));
    await web.stop();
    await page.waitForSelector(`[data-check="${webId}"][data-state=down]`, { timeout: 5_000 });
    expect(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await page.locator(`[data-check="${mailId}"]`).getAttribute('data-state')).toBe('up');
    await shot('board-down');
  });

  it("opens the incident page from the webhook's generatorURL", async () => {
    await receiver.waitFor(1);
    const alert = (receiver.received[0]!.body as WebhookBody).alerts[0]!;
    expect(alert.labels.check).toBe('Web');
    const { incidents } = await fleet.api<{ incidents: { id: number }[] }>('/api/v1/incidents?status=open');
    expect(incidents).toHaveLength(1);
    expect(alert.generatorURL).toBe(`${fleet.httpUrl}/incidents/${incidents[0]!.id}`);

    await page.goto(alert.generatorURL);
    // A new page load: the token kept in the tab's sessionStorage still signs it in.
    await page.getByRole('heading', { name: `Incident ${incidents[0]!.id}: Web on web-1` }).waitFor();
    await page.waitForSelector('.timeline [data-kind=opened]');
    await page.waitForSelector('.timeline [data-kind=notification][data-status=sent]');
    await shot('incident');
  });

  it('records an acknowledgement made from the incident page', async () => {
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByRole('status').filter({ hasText: 'Acknowledged.' }).waitFor();
    const { incidents } = await fleet.api<{ incidents: { ackedBy: string | null }[] }>('/api/v1/incidents');
    expect(incidents[0]!.ackedBy).toBe('bootstrap-admin');
    await page.waitForSelector('.timeline [data-kind=acknowledged]');
    expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    await shot('incident-acknowledged');
  });

  it('silences the check from the incident page, and expires the silence on the silences page', async () => {
    await page.getByRole('button', { name: 'Silence…' }).click();
    await page.fill('input[name=comment]', 'deploying web-1');
    await page.getByRole('button', { name: 'Create silence' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Silence \d+ until/ })
      .waitFor();
    const { silences } = await fleet.api<{
      silences: { id: number; matchers: string[]; createdBy: string }[];
    }>('/api/v1/silences');
    expect(silences).toHaveLength(1);
    expect(silences[0]).toMatchObject({
      matchers: ['agent=web-1', 'check=Web'],
      createdBy: 'bootstrap-admin',
    });

    await page.getByRole('link', { name: 'Silences' }).click();
    const row = page.locator(`[data-silence="${silences[0]!.id}"]`);
    await row.and(page.locator('[data-state=active]')).waitFor();
    await shot('silences');
    await row.getByRole('button', { name: 'Expire' }).click();
    await row.and(page.locator('[data-state=expired]')).waitFor();
    const after = await fleet.api<{ silences: { state: string }[] }>('/api/v1/silences');
    expect(after.silences[0]!.state).toBe('expired');
  });

  it('runs Test now on a check and shows its transcript', async () => {
    await page.getByRole('link', { name: 'Status' }).click();
    await page
      .locator(`[data-check="${mailId}"]`)
      .getByRole('button', { name: /Test .* now/ })
      .click();
    const transcript = page.locator('ol.transcript');
    await transcript.getByText('250 ok').waitFor();
    expect(await transcript.textContent()).toContain('HELO x');
    await shot('test-now');
  });

  it('filters the board by state, labels and text', async () => {
    const rows = page.locator('tbody tr[data-check]');
    await page.selectOption('select[name=state]', 'down');
    await page.waitForSelector(`[data-check="${mailId}"]`, { state: 'detached' });
    expect(await rows.count()).toBe(1);
    await page.selectOption('select[name=state]', '');
    await page.fill('input[name=labels]', 'site=berlin');
    await page.waitForSelector(`[data-check="${webId}"]`, { state: 'detached' });
    expect(await rows.count()).toBe(0);
    await page.fill('input[name=labels]', 'site=paris');
    await page.fill('input[name=q]', 'mail');
    await page.waitForSelector(`[data-check="${webId}"]`, { state: 'detached' });
    expect(await rows.count()).toBe(1);
    await page.fill('input[name=labels]', '');
    await page.fill('input[name=q]', '');
    await page.waitForSelector(`[data-check="${webId}"]`);
  });

  it('shows the check page: latency chart, outcomes, the last transcript beside the last good one', async () => {
    const { results } = await fleet.api<{
      results: { agent: string; outcome: string; durationMs: number }[];
    }>(`/api/v1/results?check=${webId}`);
    expect(results.some((r) => r.outcome === 'up')).toBe(true);
    expect(results[0]).toMatchObject({ agent: 'web-1', outcome: 'down' });
    await page.getByRole('link', { name: 'Status' }).click();
    await page.locator(`[data-check="${webId}"]`).getByRole('link', { name: 'Web' }).click();
    await page.waitForSelector('.chart canvas');
    await page.waitForSelector('.outcomes [data-outcome=down]');
    await page.waitForSelector('.outcomes [data-outcome=up]');
    await shot('check');
    // Mail keeps the transcripts of passing probes (transcript: true): the last one is shown.
    await page.getByRole('link', { name: 'Status' }).click();
    await page.locator(`[data-check="${mailId}"]`).getByRole('link', { name: 'Mail' }).click();
    await page.getByRole('heading', { name: 'Last transcript on web-1' }).waitFor();
    expect(await page.locator('.replies .transcript').textContent()).toContain('250 ok');
  });

  it("shows an admin the policy, with a rejected edit's problems against their lines", async () => {
    await page.getByRole('link', { name: 'Policy' }).click();
    const editor = page.locator('textarea[name=policy]');
    await expect.poll(() => editor.inputValue()).toContain('name: Mail');
    const source = await editor.inputValue();
    await editor.fill(source.replace('interval: 10s', 'interval: soon'));
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByRole('alert').filter({ hasText: 'policy rejected' }).waitFor();
    const flagged = page.locator('.source li.flagged');
    expect(await flagged.count()).toBe(1);
    expect(await flagged.textContent()).toContain('interval: soon');
    await shot('policy');
    await editor.fill(source);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Unchanged: revision 1/ })
      .waitFor();
    // A second revision; the diff of the two shows the changed line as removed and added.
    await editor.fill(source.replace('interval: 10s', 'interval: 11s'));
    await page.getByRole('button', { name: 'Apply' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Applied: revision 2/ })
      .waitFor();
    await page.waitForSelector('.revision-list [data-revision="2"]');
    await page.selectOption('select[name=from]', '1');
    await page.selectOption('select[name=to]', '2');
    await page.locator('.diff li.removed', { hasText: 'interval: 10s' }).waitFor();
    await page.locator('.diff li.added', { hasText: 'interval: 11s' }).waitFor();
    await shot('policy-diff');
  });

  it('lists the incidents and the agents, and fits a phone', async () => {
    await page.getByRole('link', { name: 'Incidents' }).click();
    await page.waitForSelector('[data-incident]');
    await shot('incidents');
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.waitForSelector('[data-agent="web-1"][data-connected=true]');
    expect(await page.getByText('site=paris').count()).toBe(1);
    await shot('agents');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Status' }).click();
    await page.waitForSelector(`[data-check="${webId}"][data-state=down]`);
    // Nothing wider than the screen: the rows stack.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot('board-phone');
  });

  it('makes a viewer token on the tokens page, and shows a viewer no button that would fail', async () => {
    // The admin makes the viewer's token on the tokens page.
    await page.getByRole('link', { name: 'Tokens' }).click();
    const form = page.getByRole('form', { name: 'New API token' });
    await form.locator('input[name=name]').fill('wall-screen');
    await form.locator('select[name=role]').selectOption('viewer');
    await form.getByRole('button', { name: 'Create API token' }).click();
    const token = (await page.locator('code.secret').textContent())!;
    await page.waitForSelector('tr[data-token] >> text=wall-screen');
    await shot('tokens');
    const viewer = await context.browser()!.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const screen = await viewer.newPage();
      await screen.goto(fleet.httpUrl);
      await screen.fill('input[name=token]', token);
      await screen.click('button[type=submit]');
      await screen.waitForSelector(`[data-check="${webId}"][data-state=down]`);
      expect(await screen.getByText('wall-screen (viewer)').count()).toBe(1);
      expect(await screen.getByRole('button', { name: /Test .* now/ }).count()).toBe(0);
      expect(await screen.getByRole('link', { name: 'Policy' }).count()).toBe(0);
      const { incidents } = await fleet.api<{ incidents: { id: number }[] }>('/api/v1/incidents');
      await screen.goto(`${fleet.httpUrl}/incidents/${incidents[0]!.id}`);
      await screen.waitForSelector('.timeline [data-kind=opened]');
      expect(await screen.getByRole('button', { name: /Acknowledge|Silence/ }).count()).toBe(0);
    } finally {
      await viewer.close();
    }
  });
});
