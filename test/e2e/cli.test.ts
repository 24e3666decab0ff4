import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '@portwarden/agent/agent';
import { until, yamlAliasBomb } from '@portwarden/common/testing';
import { portwarden as runCli } from '../support/cli.js';
import { Fleet } from '../support/fleet.js';

const BAD = fileURLToPath(new URL('./testdata/bad-policy.yaml', import.meta.url));

describe('portwarden CLI', () => {
  const fleet = new Fleet({ redis: false });
  /** The CLI as the fleet's admin, unless `env` says otherwise. */
  const portwarden = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { PORTWARDEN_TOKEN: fleet.admin.token, ...env });
  let dir: string;
  let agent: Agent;

  beforeAll(async () => {
    await fleet.start();
    dir = await mkdtemp(join(tmpdir(), 'pw-cli-'));
    agent = await fleet.addAgent('cli-1', { role: 'web' });
  });

  afterAll(async () => {
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies a policy found through PORTWARDEN_URL and the agent runs it', async () => {
    const file = join(dir, 'good.yaml');
    await writeFile(
      file,
      `alertGroups: { ops: { channels: [{ log: {} }] } }\nchecks: [{ name: web, port: 1, alertGroup: ops, interval: 1s }]\n`,
    );
    const run = await portwarden(['apply', '-f', file], { PORTWARDEN_URL: fleet.httpUrl });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^policy applied: revision 1, 1 checks$/m);
    await until('the agent to run revision 1', () => agent.configRevision === 1);
    const again = await portwarden(['apply', '-f', file], { PORTWARDEN_URL: fleet.httpUrl });
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toBe('policy unchanged: revision 1 stays in force, 1 checks\n');
  });

  it('refuses a YAML alias bomb with its line, never a stack trace', async () => {
    const file = join(dir, 'bomb.yaml');
    await writeFile(file, yamlAliasBomb());
    const run = await portwarden(['--url', fleet.httpUrl, 'apply', '-f', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^ {2}\(yaml\) \(line 2\): aliases expand to too much data .*: write the values out$/m,
    );
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('rejects a bad policy whole, printing all three errors with their paths; the previous revision stays', async () => {
    const run = await portwarden(['--url', fleet.httpUrl, 'apply', '-f', BAD]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('policy rejected with 3 errors');
    expect(run.stderr).toContain('checks[0].colour (line 8): unknown key "colour"');
    expect(run.stderr).toContain('checks[1].port (line 10): a port is 1-65535');
    expect(run.stderr).toContain('checks[2].name (line 12): is required');
    const policy = await portwarden(['--url', fleet.httpUrl, 'get', 'policy', '-o', 'json']);
    expect(JSON.parse(policy.stdout)).toMatchObject({ revision: 1 });
    expect(agent.configRevision).toBe(1);
  });

  it('apply --dry-run FILE prints the time to first page of each check and applies nothing', async () => {
    const file = join(dir, 'dry.yaml');
    await writeFile(
      file,
      `alertGroups:
  ops: { channels: [{ log: {} }] }
  pager: { name: Pager, channels: [{ log: {} }], groupBy: [agent], groupWait: 30s }
checks:
  - { name: web, port: 80, alertGroup: ops, interval: 1m, failuresBeforeAlert: 3, timeout: 5s }
  - { name: Mail Server, id: mail, port: 25, alertGroup: pager, interval: 30s, timeout: 10s }
`,
    );
    const run = await portwarden(['--url', fleet.httpUrl, 'apply', '--dry-run', file]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.split('\n').map((line) => line.trimEnd())).toEqual([
      'policy valid: 2 checks, 2 alert groups (not applied)',
      '',
      'CHECK   NAME          ALERT GROUP   INTERVAL   FAILURES   TIMEOUT   GROUPWAIT   TIME TO FIRST PAGE',
      'web     web           ops           1m         3          5s        -           3m5s',
      'mail    Mail Server   pager         30s        1          10s       30s         1m10s',
      '',
    ]);
    const policy = await portwarden(['--url', fleet.httpUrl, 'get', 'policy', '-o', 'json']);
    expect(JSON.parse(policy.stdout)).toMatchObject({ revision: 1 });
    // An invalid policy: its errors with their lines, the exit code of apply.
    const bad = await portwarden(['--url', fleet.httpUrl, 'apply', '--dry-run', BAD]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('checks[1].port (line 10): a port is 1-65535');
  });

  it('shows the status board', async () => {
    await until('a result for the check', async () => {
      const { checks } = await fleet.api<{ checks: { status: string }[] }>('/api/v1/checks');
      return checks[0]?.status === 'down';
    });
    const run = await portwarden(['--url', fleet.httpUrl, 'get', 'checks']);
    expect(run.code).toBe(0);
    const [header, row] = run.stdout.trim().split('\n');
    expect(header).toMatch(/^AGENT\s+CHECK\s+TARGET\s+STATUS\s+FAILURES/);
    expect(row).toMatch(/^cli-1\s+web\s+127\.0\.0\.1:1\s+down\s+\d+\/1\s+.*refused/);
  });

  it('says how to fix an unreachable controller', async () => {
    const run = await portwarden(['--url', 'http://127.0.0.1:9', 'get', 'agents']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot reach the controller at http://127.0.0.1:9');
    expect(run.stderr).toContain('hint:');
  });

  it('creates an API token that prints alone on stdout, lists it, and revokes it', async () => {
    const created = await portwarden([
      '--url',
      fleet.httpUrl,
      'api-token',
      'create',
      '--role',
      'viewer',
      '--name',
      'e2e-viewer',
      '--ttl',
      '1d',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^pwt_[A-Za-z0-9_-]{43}\n$/);
    expect(created.stderr).toMatch(/role viewer, expires .*shown only this once/);
    const viewer = { PORTWARDEN_TOKEN: created.stdout.trim() };
    expect((await portwarden(['--url', fleet.httpUrl, 'get', 'agents'], viewer)).code).toBe(0);

    const refused = await portwarden(['--url', fleet.httpUrl, 'apply', '-f', join(dir, 'good.yaml')], viewer);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^portwarden: API token "e2e-viewer" has role viewer; .* needs admin \(hint: .*\)\n$/,
    );

    const list = await portwarden(['--url', fleet.httpUrl, 'api-token', 'list']);
    const row = list.stdout.split('\n').find((line) => line.includes('e2e-viewer'));
    expect(row).toMatch(/^(\d+)\s+e2e-viewer\s+viewer\s.*\slive$/);
    expect(list.stdout).not.toContain(viewer.PORTWARDEN_TOKEN);
    const id = /^(\d+)/.exec(row!)![1]!;
    const revoked = await portwarden(['--url', fleet.httpUrl, 'api-token', 'revoke', id]);
    expect(revoked).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`^API token ${id} revoked at `)),
    });
    const after = await portwarden(['--url', fleet.httpUrl, 'get', 'agents'], viewer);
    expect(after.code).toBe(2);
    expect(after.stderr).toMatch(/^portwarden: API token "e2e-viewer" was revoked at .*\n$/);

    const audit = await portwarden(['--url', fleet.httpUrl, 'get', 'audit']);
    expect(audit.stdout).toMatch(/bootstrap-admin\s+admin\s+api-token-revoke\s+\d+\s+127\.0\.0\.1/);
    expect(audit.stdout).toMatch(/bootstrap-admin\s+admin\s+api-token-create\s+e2e-viewer/);
  });

  it('without a token prints one line that says how to get one', async () => {
    const run = await portwarden(['--url', fleet.httpUrl, 'get', 'agents'], { PORTWARDEN_TOKEN: '' });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([
      expect.stringMatching(/^portwarden: no API token.*hint: .*--admin-token-file/),
      '',
    ]);
  });
});
