import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import { TEST_PG_URL } from '@portwarden/controller/testing';
import { FlakyService } from '../support/tcp-server.js';
import { Fleet } from '../support/fleet.js';

/**
 * The README's promise, binary by binary, command by command: exit 0 done, 1 a check that is down
 * or a failed action, 2 a problem the user can fix; never a stack trace. Every binary runs as a
 * child process, built, as a user runs it; one controller serves every CLI case.
 */
const bin = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const BINARIES = {
  portwarden: bin('cli/bin/portwarden.js'),
  controller: bin('controller/bin/portwarden-controller.js'),
  agent: bin('agent/bin/portwarden-agent.js'),
  quickstart: bin('deploy/bin/portwarden-quickstart.js'),
};
const BAD_POLICY = fileURLToPath(new URL('./testdata/bad-policy.yaml', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [file, ...args],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/** What every run must hold, whatever its code: no stack trace on either stream. */
function expectNoStack(result: Run): void {
  expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(result.stdout).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

const fleet = new Fleet({ redis: false });
let dir: string;
let service: FlakyService;
let closedPort: number;
let policyFile: string;
let incidentId: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pw-exit-'));
  service = await new FlakyService().start();
  const spare = await new FlakyService().start();
  closedPort = spare.port;
  await spare.stop();
  await fleet.start();
  await fleet.addAgent('exit-1', { role: 'web' });
  policyFile = join(dir, 'policy.yaml');
  await writeFile(
    policyFile,
    `alertGroups: { ops: { channels: [{ log: {} }] } }
checks:
  - { name: up, port: ${service.port}, alertGroup: ops, interval: 1s }
  - { name: down, port: ${closedPort}, alertGroup: ops, interval: 1s, failuresBeforeAlert: 1 }
`,
  );
  const applied = await cli(['apply', policyFile]);
  expect(applied.code).toBe(0);
  // The down check opens an incident: describe and ack have one to work on.
  incidentId = await until('an incident for the down check', async () => {
    const { incidents } = await fleet.api<{ incidents: { id: number; checkName: string }[] }>(
      '/api/v1/incidents',
    );
    return incidents.find((i) => i.checkName === 'down')?.id;
  });
});

afterAll(async () => {
  await fleet.stop();
  await service.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The CLI against the fleet's controller as its admin, with no user config. */
const cli = (args: string[], env: Record<string, string> = {}) =>
  run(BINARIES.portwarden, args, {
    PORTWARDEN_URL: fleet.httpUrl,
    PORTWARDEN_TOKEN: fleet.admin.token,
    PORTWARDEN_CONFIG: join(dir, 'no-config.yaml'),
    ...env,
  });

type Case = [name: string, args: () => string[], code: number, stderr?: RegExp];

describe('portwarden exit codes', () => {
  const cases: Case[] = [
    // why: --version and --help are done
    ['--version', () => ['--version'], 0],
    ['--help', () => ['--help'], 0],
    // why: no command, an unknown command or option is usage (commander's default would be 1)
    ['no command', () => [], 2, /Usage: portwarden/],
    ['an unknown command', () => ['frobnicate'], 2, /unknown command 'frobnicate'/],
    ['an unknown option', () => ['get', 'checks', '--bogus'], 2, /unknown option '--bogus'/],
    ['a missing argument', () => ['get'], 2, /missing required argument 'resource'/],
    ['an invalid choice', () => ['get', 'checks', '-o', 'yaml'], 2, /invalid/],
    // why: reads that work
    ['get checks', () => ['get', 'checks'], 0],
    ['get agents', () => ['get', 'agents'], 0],
    ['get incidents', () => ['get', 'incidents'], 0],
    ['get notifications', () => ['get', 'notifications', '--incident', String(incidentId)], 0],
    ['get audit', () => ['get', 'audit'], 0],
    ['get policy', () => ['get', 'policy'], 0],
    ['get gaps', () => ['get', 'gaps'], 0],
    ['get responses', () => ['get', 'responses'], 0],
    ['an unknown resource', () => ['get', 'widgets'], 2],
    // why: apply: a policy unchanged is done; a missing or bad file is the user's to fix
    ['apply, unchanged', () => ['apply', policyFile], 0],
    ['apply --dry-run', () => ['apply', '--dry-run', policyFile], 0],
    ['apply a missing file', () => ['apply', join(dir, 'missing.yaml')], 2, /cannot read .*missing\.yaml/],
    ['apply without a file', () => ['apply'], 2, /no policy file given/],
    ['apply a bad policy', () => ['apply', BAD_POLICY], 2, /policy rejected with 3 errors/],
    // why: test: up 0, down 1; a missing --agent or an unknown check is fixable
    ['test, up', () => ['test', 'up', '--agent', 'exit-1'], 0],
    ['test, down', () => ['test', 'down', '--agent', 'exit-1'], 1],
    ['test without --agent', () => ['test', 'up'], 2, /required option '--agent <name>'/],
    ['test an unknown check', () => ['test', 'nope', '--agent', 'exit-1'], 2],
    // why: describe: the timeline is done; an unknown incident or kind is fixable
    ['describe incident', () => ['describe', 'incident', String(incidentId)], 0],
    ['describe an unknown incident', () => ['describe', 'incident', '999999'], 2, /no incident 999999/],
    ['describe an unknown kind', () => ['describe', 'widget', '1'], 2, /cannot describe "widget"/],
    // why: ack of an unknown incident; ack without an id
    ['ack an unknown incident', () => ['ack', '999999'], 2, /no incident 999999/],
    ['ack without an id', () => ['ack'], 2],
    // why: enrollment tokens and secrets need a controller with a CA: refused, fixable
    ['token create on an --insecure controller', () => ['token', 'create'], 2],
    ['secret set on a controller without a CA key', () => ['secret', 'set', 'x'], 2],
    ['secret list', () => ['secret', 'list'], 0],
    ['secret delete an unknown one', () => ['secret', 'delete', 'nope'], 2],
    // why: API tokens
    ['api-token create', () => ['api-token', 'create', '--role', 'viewer', '--name', 'exit-viewer'], 0],
    ['api-token create without --role', () => ['api-token', 'create', '--name', 'x'], 2],
    ['api-token create with a bad role', () => ['api-token', 'create', '--role', 'god', '--name', 'x'], 2],
    ['api-token list', () => ['api-token', 'list'], 0],
    ['api-token revoke an unknown id', () => ['api-token', 'revoke', '999999'], 2],
    // why: silences
    ['silence add', () => ['silence', 'add', '--match', 'check=up', '--for', '1h', '--comment', 'exit'], 0],
    ['silence add without --comment', () => ['silence', 'add', '--match', 'check=up', '--for', '1h'], 2],
    ['silence list', () => ['silence', 'list'], 0],
    ['silence expire an unknown id', () => ['silence', 'expire', '999999'], 2],
    // why: run-time overrides: enabling what is not disabled is done; unknown names are fixable
    ['enable a check that is not disabled', () => ['enable', 'up'], 0],
    ['disable an unknown check', () => ['disable', 'nope'], 2],
    ['disable on an unknown agent', () => ['disable', 'up', '--agent', 'nope'], 2],
    ['disable without a check', () => ['disable'], 2],
    // why: agents revoke of an agent that never enrolled
    ['agents revoke an unknown agent', () => ['agents', 'revoke', 'nope'], 2],
    // why: login needs its token file
    ['login without --token-file', () => ['login'], 2, /required option '--token-file <file>'/],
    ['login with a missing token file', () => ['login', '--token-file', join(dir, 'missing')], 2],
    // why: a token the controller does not know is fixed with another token
    ['a wrong token', () => ['--token', 'pwt_wrong', 'get', 'checks'], 2, /hint/],
    // why: a controller that does not answer is started, or --url corrected
    ['an unreachable controller', () => ['--url', 'http://127.0.0.1:1', 'get', 'checks'], 2, /cannot reach/],
    // why: probe keeps the Nagios codes: 0 OK, 2 CRITICAL, 3 UNKNOWN (a bad flag)
    ['probe, OK', () => ['probe', '-p', String(service.port)], 0, /^$/],
    ['probe, CRITICAL', () => ['probe', '-p', String(closedPort)], 2],
    ['probe, an unknown flag', () => ['probe', '--bogus'], 3],
  ];

  it.concurrent.each(cases)('%s', async (_name, args, code, stderr) => {
    const result = await cli(args());
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code });
    if (stderr) expect(result.stderr).toMatch(stderr);
    if (code === 2 && !args().includes('probe')) expect(result.stderr).not.toBe('');
    expectNoStack(result);
  });

  it('describe incident N prints the timeline: opened, then each notification with its status', async () => {
    await until('the firing notification to be sent', async () => {
      const { notifications } = await fleet.api<{ notifications: { status: string }[] }>(
        `/api/v1/notifications?incident=${incidentId}`,
      );
      return notifications.some((n) => n.status === 'sent');
    });
    const result = await cli(['describe', 'incident', String(incidentId)]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(`incident ${incidentId}: down on exit-1 (alert group ops), open`);
    expect(lines[1]).toMatch(
      /^ {2}\S+Z {2}opened: refused: cannot connect to 127\.0\.0\.1:\d+: ECONNREFUSED$/,
    );
    expect(lines[2]).toMatch(/^ {2}\S+Z {2}notified ops\S* \(opened\): sent$/);
  });

  it('says it is not built yet (exit 2) before npm run build', async () => {
    const copy = join(dir, 'unbuilt', 'bin');
    await mkdir(copy, { recursive: true });
    await copyFile(BINARIES.portwarden, join(copy, 'portwarden.js'));
    const result = await run(join(copy, 'portwarden.js'), ['get', 'checks']);
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^portwarden: not built yet\n {2}hint: /),
    });
  });
});

describe('portwarden-controller exit codes', () => {
  const missingDb = () => {
    const url = new URL(TEST_PG_URL);
    url.pathname = `/pw_missing_${process.pid}_${Date.now()}`;
    return url.toString();
  };
  const cases: Case[] = [
    ['--version', () => ['--version'], 0],
    ['--help', () => ['--help'], 0],
    // why: usage errors are the operator's to fix: 2, not commander's 1
    ['an unknown option', () => ['--bogus'], 2, /unknown option '--bogus'/],
    ['no database URL', () => [], 2, /no database URL/],
    // why: a database that does not exist: one line naming createdb
    [
      'a missing database',
      () => ['--database-url', missingDb(), '--insecure'],
      2,
      /hint: create it once with `createdb -h 127\.0\.0\.1 .*pw_missing_/,
    ],
    ['no CA key and no --insecure', () => ['--database-url', missingDb()], 2, /no CA key/],
    [
      'a missing CA key file',
      () => ['--database-url', missingDb(), '--ca-key-file', join(dir, 'nope.key')],
      2,
    ],
    // why: results are dropped a whole day at a time: hours are refused before anything connects
    [
      'a --results-retention in hours',
      () => ['--database-url', missingDb(), '--insecure', '--results-retention', '12h'],
      2,
      /invalid --results-retention "12h"\n {2}hint: write whole days/,
    ],
  ];
  it.concurrent.each(cases)('%s', async (_name, args, code, stderr) => {
    const result = await run(BINARIES.controller, args(), {
      DATABASE_URL: '',
      PORTWARDEN_CA_KEY: '',
      PORTWARDEN_CA_KEY_FILE: '',
      LOG_LEVEL: 'silent',
    });
    expect(result.code).toBe(code);
    if (stderr) expect(result.stderr).toMatch(stderr);
    expectNoStack(result);
  });
});

describe('portwarden-agent exit codes', () => {
  const cases: Case[] = [
    ['--version', () => ['--version'], 0],
    ['--help', () => ['--help'], 0],
    ['an unknown option', () => ['--bogus'], 2, /unknown option '--bogus'/],
    ['no controller', () => [], 2, /no controller address/],
    [
      'a missing local config',
      () => ['--controller', '127.0.0.1:1', '--insecure', '--config', join(dir, 'nope.yaml')],
      2,
      /cannot read the local config/,
    ],
    [
      'a missing environment file',
      () => ['--controller', '127.0.0.1:1', '--environment-file', join(dir, 'nope.env')],
      2,
      /cannot read the env file/,
    ],
    ['firewall-status with an unknown option', () => ['firewall-status', '--bogus'], 2],
    ['service with an unknown command', () => ['service', 'frobnicate'], 2],
  ];
  it.concurrent.each(cases)('%s', async (_name, args, code, stderr) => {
    const result = await run(BINARIES.agent, args(), {
      PORTWARDEN_CONTROLLER: '',
      PORTWARDEN_STATE_DIR: join(dir, 'agent-state'),
      LOG_LEVEL: 'silent',
    });
    expect(result.code).toBe(code);
    if (stderr) expect(result.stderr).toMatch(stderr);
    expectNoStack(result);
  });
});

describe('the quick start', () => {
  it('--help prints its usage, exits 0 and starts nothing', async () => {
    const home = join(dir, 'quickstart-home');
    const result = await run(BINARIES.quickstart, ['--help'], { PORTWARDEN_HOME: home });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: npm start/);
    // Nothing was started: no state directory, no embedded database.
    await expect(rm(home)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('an external DATABASE_URL naming a database that does not exist exits 2, naming createdb', async () => {
    const url = new URL(TEST_PG_URL);
    url.pathname = `/pw_missing_qs_${process.pid}`;
    const home = join(dir, 'qs-db');
    const result = await run(BINARIES.quickstart, [], {
      DATABASE_URL: url.toString(),
      PORTWARDEN_HOME: home,
      PORTWARDEN_HTTP_LISTEN: '127.0.0.1:0',
      PORTWARDEN_GRPC_LISTEN: '127.0.0.1:0',
      LOG_LEVEL: 'silent',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^portwarden quick start: PostgreSQL at \S+ has no database "pw_missing_qs_\d+"$/m,
    );
    expect(result.stderr).toMatch(/^ {2}hint: create it once with `createdb .*pw_missing_qs_\d+`/m);
    expectNoStack(result);
  });

  it('an unknown argument exits 2 with a hint', async () => {
    const result = await run(BINARIES.quickstart, ['--bogus'], { PORTWARDEN_HOME: join(dir, 'qs-2') });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown argument "--bogus"\n {2}hint: /);
  });
});
