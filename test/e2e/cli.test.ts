import { execFile } from 'node:child_process';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '@portwarden/agent/agent';
import { until, yamlAliasBomb } from '@portwarden/common/testing';
import { Fleet } from '../support/fleet.js';

const CLI = fileURLToPath(new URL('../../cli/bin/portwarden.js', import.meta.url));
const BAD = fileURLToPath(new URL('./testdata/bad-policy.yaml', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `portwarden` CLI as a user would. */
function portwarden(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('portwarden CLI', () => {
  const fleet = new Fleet({ redis: false });
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
});
