import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpooledResult } from '@portwarden/agent/agent';
import { until } from '@portwarden/common/testing';
import { portwarden } from '../support/cli.js';
import { Fleet } from '../support/fleet.js';
import { FlakyService } from '../support/tcp-server.js';

interface BoardRow {
  agent: string;
  checkId: string;
  status: string;
  disabled: { agent: string | null; by: string; at: string; comment: string | null } | null;
}

/**
 * `portwarden disable` / `enable` end to end: a real controller, a real agent and a real TCP port.
 * Disabled, the agent stops probing the check once it has applied the config pushed at once, and
 * nothing more of it is stored; the board and `get checks` say who disabled it; enabled, it resumes.
 * A second check on the same port is the clock: its results show time passing on the agent.
 */
describe('disabling a check at run time', () => {
  const fleet = new Fleet({ redis: false });
  const service = new FlakyService();
  const results: SpooledResult[] = [];
  /** When the agent started running each config it was pushed (Date.now()). */
  const configsApplied: number[] = [];
  let sql: postgres.Sql;
  let operator: Record<string, string>;

  const cli = (...args: string[]) => portwarden(['--url', fleet.httpUrl, ...args], operator);
  const stored = async (checkId: string, after = new Date(0)) =>
    (
      await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM results WHERE check_id = ${checkId} AND started_at > ${after}`
    )[0]!.n;
  const board = async () =>
    (await fleet.api<{ checks: BoardRow[] }>('/api/v1/checks')).checks.find((c) => c.checkId === 'web')!;

  /** Runs the CLI and waits until the agent runs the config pushed because of it. */
  async function toggled(args: string[]) {
    const before = configsApplied.length;
    const run = await cli(...args);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    await until('the agent to apply the config pushed', () => configsApplied.length > before);
    return { run, appliedAt: configsApplied.at(-1)! };
  }

  beforeAll(async () => {
    await Promise.all([fleet.start(), service.start()]);
    sql = postgres(fleet.db.url, { max: 1, onnotice: () => {} });
    await fleet.controller.applyPolicy(`
alertGroups: { ops: { channels: [{ log: {} }] } }
defaults: { alertGroup: ops, interval: 500ms, timeout: 400ms }
checks:
  - { name: web, port: ${service.port} }
  - { name: clock, port: ${service.port} }
`);
    const created = await fetch(new URL('/api/v1/api-tokens', fleet.httpUrl), {
      method: 'POST',
      headers: { ...fleet.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'operator', name: 'alice' }),
    });
    operator = { PORTWARDEN_TOKEN: ((await created.json()) as { token: string }).token };
    await fleet.addAgent('web-1', { role: 'web' }, (r) => results.push(r), {
      onConfig: () => configsApplied.push(Date.now()),
    });
  });

  afterAll(async () => {
    await sql?.end();
    await fleet.stop();
    await service.stop();
  });

  it('stores results of both checks while both are enabled', async () => {
    await until(
      'results of both checks stored',
      async () => (await stored('web')) > 0 && (await stored('clock')) > 0,
    );
    expect((await board()).status).toBe('up');
  });

  it('disable: the agent stops probing the check, nothing more of it is stored, and get checks says who', async () => {
    const { run, appliedAt } = await toggled(['disable', 'web', '--agent', 'web-1', '--comment', 'new disk']);
    expect(run.stdout).toBe('web disabled on web-1 by alice: new disk\n');
    // Results spooled before the config was applied may still arrive: they are ingested in order,
    // so once a clock result probed after it is stored, every earlier web result is too.
    const since = new Date(appliedAt);
    await until('a clock result probed after the push', async () => (await stored('clock', since)) > 0);
    const webStored = await stored('web');
    await until('three more clock results stored', async () => (await stored('clock', since)) >= 4);
    expect(await stored('web')).toBe(webStored);
    expect(await stored('web', since)).toBe(0);
    expect(results.filter((r) => r.checkId === 'web' && r.startedAtUnixMs > appliedAt)).toEqual([]);

    expect(await board()).toMatchObject({
      status: 'disabled',
      disabled: { agent: 'web-1', by: 'alice', comment: 'new disk' },
    });
    const table = await cli('get', 'checks');
    expect(table.code).toBe(0);
    const row = table.stdout.split('\n').find((l) => /^web-1\s+web\s/.test(l));
    expect(row).toMatch(/\sdisabled\s.*alice at \S+: new disk$/);
    // The agent was pushed the same revision again, and runs it.
    const agents = await fleet.api<{ agents: { configRevision: number; configError: string | null }[] }>(
      '/api/v1/agents',
    );
    expect(agents.agents[0]).toMatchObject({
      configRevision: fleet.controller.currentRevision(),
      configError: null,
    });
  });

  it('disable again changes nothing; an unknown check is refused with one line', async () => {
    const again = await cli('disable', 'web', '--agent', 'web-1');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^web was already disabled on web-1 by alice at \S+: new disk\n$/);
    const unknown = await cli('disable', 'nope');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no check "nope" in the policy in force');
    expect(unknown.stderr.trim().split('\n')[0]).not.toMatch(/^\s+at /);
  });

  it('enable: results of the check are stored again and the board no longer says disabled', async () => {
    const { run, appliedAt } = await toggled(['enable', 'web', '--agent', 'web-1']);
    expect(run.stdout).toBe('web enabled on web-1\n');
    await until(
      'a web result probed after the push',
      async () => (await stored('web', new Date(appliedAt))) > 0,
    );
    await until('the board to show it up', async () => (await board()).status === 'up');
    expect((await board()).disabled).toBeNull();
    const audit = await fleet.api<{ entries: { actor: string; action: string; target: string }[] }>(
      '/api/v1/audit',
    );
    expect(
      audit.entries.filter((e) => e.action.startsWith('check-')).map((e) => [e.actor, e.action, e.target]),
    ).toEqual([
      ['alice', 'check-enable', 'web agent=web-1'],
      ['alice', 'check-disable', 'nope'],
      ['alice', 'check-disable', 'web agent=web-1'],
      ['alice', 'check-disable', 'web agent=web-1'],
    ]);
  });
});
