import { readFileSync } from 'node:fs';
import { formatEnrollmentToken, newTokenSecret } from '@portwarden/common/enrollment-token';
import { ConfigError } from '@portwarden/common/errors';
import { describe, expect, it } from 'vitest';
import {
  createFakeRunner,
  fakeLocate,
  type FakeOutput,
  type FakeRunner,
} from '../system/testing/fake-runner.js';
import { NotInstalledError, ServiceError } from './errors.js';
import {
  ENV_FILE_HEADER,
  runService,
  statusExitCode,
  type ServiceCommand,
  type ServiceDeps,
} from './service.js';
import { memoryFiles, type MemoryFiles } from './testing/memory-files.js';

const SC = 'C:\\Windows\\System32\\sc.exe';
const ICACLS = 'C:\\Windows\\System32\\icacls.exe';
const DIR = 'C:\\Program Files\\Portwarden';
const AGENT = `${DIR}\\portwarden-agent.exe`;
const WRAPPER = `${DIR}\\PortwardenAgentService.exe`;
const XML = `${DIR}\\PortwardenAgentService.xml`;
const WRAPPER_CONFIG = `${DIR}\\PortwardenAgentService.exe.config`;
const STATE = 'C:\\ProgramData\\Portwarden';
const ENV_FILE = `${STATE}\\agent.env`;
const WINSW = Buffer.from('MZ winsw 1.17');
const TOKEN = formatEnrollmentToken({ secret: newTokenSecret(), caFingerprint: Buffer.alloc(32, 7) });

const recorded = (name: string, exitCode = 0): FakeOutput => ({
  exitCode,
  stdout: readFileSync(new URL(`testdata/${name}`, import.meta.url)),
});
const RUNNING = recorded('sc-query.running.txt');
const STOPPED = recorded('sc-query.stopped.txt');
const START_PENDING = recorded('sc-query.start-pending.txt');
const STOP_PENDING = recorded('sc-query.stop-pending.txt');
const NOT_INSTALLED = recorded('sc-query.not-installed.rc1060.txt', 1060);

const LOCK = [STATE, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F'];
const SETTINGS = [
  ['config', 'PortwardenAgent', 'start=', 'delayed-auto'],
  ['failure', 'PortwardenAgent', 'reset=', '86400', 'actions=', 'restart/10000/restart/10000/restart/10000'],
  ['failureflag', 'PortwardenAgent', '1'],
];

interface Harness {
  deps: ServiceDeps;
  fake: FakeRunner;
  files: MemoryFiles;
  out: string[];
  slept: number[];
}

/** The packaged exe on a default Windows; sc.exe answers `query` with `queries` in turn. */
function harness(
  queries: FakeOutput[],
  files = memoryFiles({ [AGENT]: 'exe' }),
  lock: FakeOutput = {},
): Harness {
  const fake = createFakeRunner('win32');
  fake.on(SC, ['query', 'PortwardenAgent'], ...queries);
  for (const args of SETTINGS) fake.on(SC, args);
  fake.on(ICACLS, LOCK, lock);
  const out: string[] = [];
  const slept: number[] = [];
  let clock = 0;
  const deps: ServiceDeps = {
    system: { run: fake.run, locate: fakeLocate({ sc: SC, icacls: ICACLS }), platform: 'win32' },
    files,
    env: { ProgramData: 'C:\\ProgramData' },
    write: (text) => out.push(text),
    packagedExe: AGENT,
    packagedWrapper: () => WINSW,
    wait: {
      now: () => clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
      timeoutMs: 5_000,
      everyMs: 500,
    },
  };
  return { deps, fake, files, out, slept };
}

const sc = (...args: string[]) => [SC, ...args];
const failure = async (command: ServiceCommand, deps: ServiceDeps): Promise<Error> =>
  runService(command, deps).then(
    () => {
      throw new Error('the command succeeded');
    },
    (err: Error) => err,
  );

describe('service install', () => {
  it('writes the wrapper and its config beside the exe, installs, then sets the SCM settings', async () => {
    const h = harness([NOT_INSTALLED]);
    h.fake.on(WRAPPER, ['install']).on(SC, ['config', 'PortwardenAgent', 'obj=', 'LocalSystem']);
    expect(await runService({ command: 'install', options: {} }, h.deps)).toBe(0);
    expect(h.fake.argv()).toEqual([
      [ICACLS, ...LOCK],
      sc('query', 'PortwardenAgent'),
      [WRAPPER, 'install'],
      sc('config', 'PortwardenAgent', 'obj=', 'LocalSystem'),
      ...SETTINGS.map((args) => sc(...args)),
    ]);
    expect(h.files.files.get(WRAPPER)).toBe(WINSW);
    expect(await h.files.readText(XML)).toContain(`<executable>${AGENT}</executable>`);
    expect(await h.files.readText(WRAPPER_CONFIG)).toContain('<supportedRuntime version="v4.0" />');
    expect(h.files.dirs).toContain(`${STATE}\\logs`);
    // A missing settings file would stop the service at its first start: the file always exists.
    expect(await h.files.readText(ENV_FILE)).toBe(ENV_FILE_HEADER);
    expect(h.out.join('')).toBe('PortwardenAgent installed; start it: portwarden-agent service start\n');
  });

  it('again: reconfigures without installing, and leaves the running wrapper file alone', async () => {
    const h = harness(
      [RUNNING],
      memoryFiles({ [AGENT]: 'exe', [WRAPPER]: Buffer.from(WINSW), [ENV_FILE]: 'A=1\n' }),
    );
    h.fake.on(SC, ['config', 'PortwardenAgent', 'obj=', 'LocalSystem']);
    expect(await runService({ command: 'install', options: {} }, h.deps)).toBe(0);
    expect(h.fake.argv()).not.toContainEqual([WRAPPER, 'install']);
    expect(h.files.writes).toEqual([XML, WRAPPER_CONFIG]);
    expect(h.out.join('')).toMatch(/^PortwardenAgent was installed: reconfigured; restart it to apply/);
  });

  it('runs as a named account: its password to sc.exe only, redacted, and modify rights on the state', async () => {
    const files = memoryFiles({ [AGENT]: 'exe', 'C:\\secret\\pw.txt': 'hunter2\r\n' });
    const h = harness([NOT_INSTALLED], files);
    const obj = ['config', 'PortwardenAgent', 'obj=', 'CORP\\svc-pw', 'password=', 'hunter2'];
    h.fake
      .on(WRAPPER, ['install'])
      .on(SC, obj)
      .on(ICACLS, [...LOCK, 'CORP\\svc-pw:(OI)(CI)M']);
    const options = { account: 'CORP\\svc-pw', passwordFile: 'C:\\secret\\pw.txt' };
    expect(await runService({ command: 'install', options }, h.deps)).toBe(0);
    expect(h.fake.argv()).toContainEqual(sc(...obj));
    expect(h.fake.calls.find((c) => c.args.includes('password='))?.secrets).toEqual(['hunter2']);
    const config = (await files.readText(XML))!;
    expect(config).toContain('<user>svc-pw</user>');
    expect(config).not.toContain('hunter2');
  });

  it('takes --agent-exe, --wrapper and --state-dir with spaces when not run as the packaged exe', async () => {
    const files = memoryFiles({ 'D:\\dl\\winsw.exe': WINSW, 'D:\\Agent Files\\pa.exe': 'exe' });
    const h = harness([NOT_INSTALLED], files);
    delete h.deps.packagedExe;
    delete h.deps.packagedWrapper;
    const state = 'D:\\Portwarden State';
    h.fake
      .on(ICACLS, [state, ...LOCK.slice(1)])
      .on('D:\\Agent Files\\PortwardenAgentService.exe', ['install'])
      .on(SC, ['config', 'PortwardenAgent', 'obj=', 'LocalSystem']);
    const options = {
      agentExe: 'D:\\Agent Files\\pa.exe',
      wrapper: 'D:\\dl\\winsw.exe',
      stateDir: `${state}\\`,
    };
    expect(await runService({ command: 'install', options }, h.deps)).toBe(0);
    expect(await files.readText('D:\\Agent Files\\PortwardenAgentService.xml')).toContain(
      '<arguments>--environment-file &quot;D:\\Portwarden State\\agent.env&quot; --state-dir &quot;D:\\Portwarden State&quot;</arguments>',
    );
  });

  it.each([
    ['no exe', { packagedExe: undefined }, {}, /service install needs portwarden-agent.exe/],
    ['no wrapper', { packagedWrapper: undefined }, {}, /no WinSW wrapper/],
    [
      'a missing --agent-exe',
      {},
      { agentExe: 'C:\\nope\\pa.exe' },
      /--agent-exe C:\\nope\\pa.exe does not exist/,
    ],
    ['a missing --wrapper', {}, { wrapper: 'C:\\nope.exe' }, /--wrapper C:\\nope.exe does not exist/],
    [
      'a password without an account',
      {},
      { passwordFile: `${DIR}\\portwarden-agent.exe` },
      /--password-file without --account/,
    ],
    [
      'a relative state directory',
      {},
      { stateDir: 'state' },
      /--state-dir "state" is not a full Windows path/,
    ],
  ])('refuses %s with a ConfigError, before changing anything', async (_, deps, options, message) => {
    const h = harness([NOT_INSTALLED]);
    const error = await failure({ command: 'install', options }, { ...h.deps, ...deps });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
    expect(h.fake.calls).toEqual([]);
  });

  it('reports a wrapper install that fails, with its output', async () => {
    const h = harness([NOT_INSTALLED]);
    h.fake.on(WRAPPER, ['install'], {
      exitCode: 1,
      stderr: 'System.ComponentModel.Win32Exception: Access is denied',
    });
    const error = await failure({ command: 'install', options: {} }, h.deps);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.message).toBe(
      'PortwardenAgentService.exe install exited with 1: System.ComponentModel.Win32Exception: Access is denied',
    );
  });
});

describe('service uninstall', () => {
  it('stops a running service, uninstalls through the wrapper, removes the wrapper, keeps the state', async () => {
    const files = memoryFiles({
      [AGENT]: 'exe',
      [WRAPPER]: WINSW,
      [XML]: '<service/>',
      [WRAPPER_CONFIG]: '<configuration/>',
      [ENV_FILE]: 'X=1',
    });
    const h = harness([RUNNING, STOP_PENDING, STOPPED], files);
    h.fake.on(SC, ['stop', 'PortwardenAgent']).on(WRAPPER, ['uninstall']);
    expect(await runService({ command: 'uninstall', options: {} }, h.deps)).toBe(0);
    expect(h.fake.argv()).toEqual([
      sc('query', 'PortwardenAgent'),
      sc('stop', 'PortwardenAgent'),
      sc('query', 'PortwardenAgent'),
      sc('query', 'PortwardenAgent'),
      [WRAPPER, 'uninstall'],
    ]);
    expect([...files.files.keys()]).toEqual([AGENT, ENV_FILE]);
    expect(h.out.join('')).toBe('PortwardenAgent uninstalled; its state directory is kept\n');
  });

  it('deletes with sc.exe when the wrapper is gone', async () => {
    const h = harness([STOPPED]);
    h.fake.on(SC, ['delete', 'PortwardenAgent']);
    expect(await runService({ command: 'uninstall', options: {} }, h.deps)).toBe(0);
    expect(h.fake.argv()).toEqual([sc('query', 'PortwardenAgent'), sc('delete', 'PortwardenAgent')]);
  });

  it('is done when the service is not installed', async () => {
    const h = harness([NOT_INSTALLED]);
    expect(await runService({ command: 'uninstall', options: {} }, h.deps)).toBe(0);
    expect(h.out.join('')).toBe('PortwardenAgent was not installed\n');
  });
});

describe('service start and stop', () => {
  it('starts and polls sc.exe query until the service runs', async () => {
    const h = harness([START_PENDING, START_PENDING, RUNNING]);
    h.fake.on(SC, ['start', 'PortwardenAgent']);
    expect(await runService({ command: 'start' }, h.deps)).toBe(0);
    expect(h.slept).toEqual([500, 500]);
    expect(h.out.join('')).toBe('PortwardenAgent: running\n');
  });

  it('treats "already running" (1056) as started', async () => {
    const h = harness([RUNNING]);
    h.fake.on(SC, ['start', 'PortwardenAgent'], recorded('sc-start.already-running.rc1056.txt', 1056));
    expect(await runService({ command: 'start' }, h.deps)).toBe(0);
  });

  it('fails when the service stops right after starting, pointing at the logs', async () => {
    const h = harness([START_PENDING, STOPPED]);
    h.fake.on(SC, ['start', 'PortwardenAgent']);
    const error = (await failure({ command: 'start' }, h.deps)) as ServiceError;
    expect(error.message).toBe('PortwardenAgent stopped right after it started');
    expect(error.hint).toMatch(/logs/);
    expect(error.exitCode).toBe(1);
  });

  it('gives up after the timeout, bounded', async () => {
    const h = harness([START_PENDING]);
    h.fake.on(SC, ['start', 'PortwardenAgent']);
    const error = await failure({ command: 'start' }, h.deps);
    expect(error.message).toBe('PortwardenAgent is start pending, not running, after 5 s');
    expect(h.slept).toHaveLength(10);
  });

  it('stops, treating "not started" (1062) as stopped', async () => {
    const h = harness([STOPPED]);
    h.fake.on(SC, ['stop', 'PortwardenAgent'], recorded('sc-stop.not-started.rc1062.txt', 1062));
    expect(await runService({ command: 'stop' }, h.deps)).toBe(0);
    expect(h.out.join('')).toBe('PortwardenAgent: stopped\n');
  });

  it('says "not installed" with exit 4', async () => {
    const h = harness([NOT_INSTALLED]);
    h.fake.on(SC, ['start', 'PortwardenAgent'], NOT_INSTALLED);
    const error = (await failure({ command: 'start' }, h.deps)) as ServiceError;
    expect(error).toBeInstanceOf(NotInstalledError);
    expect(error.exitCode).toBe(4);
  });

  it('says what sc.exe said when access is denied, with the hint to run as Administrator', async () => {
    const h = harness([STOPPED]);
    h.fake.on(SC, ['start', 'PortwardenAgent'], recorded('sc-start.access-denied.rc5.txt', 5));
    const error = (await failure({ command: 'start' }, h.deps)) as ServiceError;
    expect(error.message).toBe(
      'sc.exe start PortwardenAgent failed with error 5: [SC] OpenService FAILED 5: Access is denied.',
    );
    expect(error.hint).toBe('run it again as Administrator');
  });

  it('reports sc.exe missing, or not answering', async () => {
    const h = harness([RUNNING]);
    const missing = { ...h.deps, system: { ...h.deps.system, locate: fakeLocate({}) } };
    expect((await failure({ command: 'status' }, missing)).message).toBe(
      'sc.exe not found in %SystemRoot%\\System32',
    );
    const slow = harness([{ timedOut: true, exitCode: null }]);
    expect((await failure({ command: 'status' }, slow.deps)).message).toBe(
      'sc.exe query did not finish in time and was stopped',
    );
  });
});

describe('service status', () => {
  it.each([
    [RUNNING, 'PortwardenAgent: running\n', 0],
    [STOPPED, 'PortwardenAgent: stopped\n', 3],
    [START_PENDING, 'PortwardenAgent: start pending\n', 3],
    [NOT_INSTALLED, 'PortwardenAgent: not installed\n', 4],
  ])('prints one line and exits by state (%#)', async (query, line, code) => {
    const h = harness([query]);
    expect(await runService({ command: 'status' }, h.deps)).toBe(code);
    expect(h.out).toEqual([line]);
  });

  it('maps every state to an exit status', () => {
    expect(statusExitCode({ installed: true, state: 'PAUSED' })).toBe(3);
    expect(statusExitCode({ installed: true, state: 'STOP_PENDING' })).toBe(3);
  });
});

describe('service configure', () => {
  const values = {
    controller: 'ctl.example:7443',
    enrollToken: TOKEN,
    name: 'web-1',
    labels: 'role=web, tier=db',
  };

  it('creates the state, locks it before writing the token, writes agent.env; no SCM settings without a service', async () => {
    const h = harness([NOT_INSTALLED], memoryFiles());
    expect(await runService({ command: 'configure', options: values }, h.deps)).toBe(0);
    expect(h.fake.argv()).toEqual([sc('query', 'PortwardenAgent'), [ICACLS, ...LOCK]]);
    expect(await h.files.readText(ENV_FILE)).toBe(
      `${ENV_FILE_HEADER}PORTWARDEN_CONTROLLER=ctl.example:7443\nPORTWARDEN_ENROLL_TOKEN=${TOKEN}\nPORTWARDEN_AGENT_NAME=web-1\nPORTWARDEN_AGENT_LABELS='role=web, tier=db'\n`,
    );
    expect(h.out).toEqual([`wrote ${ENV_FILE}\n`]);
  });

  it('merges: empty values (an MSI upgrade without CONTROLLER) keep the old ones', async () => {
    const old = '# mine\r\nPORTWARDEN_CONTROLLER=old:1\r\nPORTWARDEN_AGENT_NAME=keep\r\n';
    const h = harness([STOPPED], memoryFiles({ [ENV_FILE]: old }, [STATE]));
    h.fake.on(SC, ['qc', 'PortwardenAgent'], recorded('sc-qc.localsystem.txt'));
    const options = { controller: '', enrollToken: '', name: '', labels: 'a=b' };
    expect(await runService({ command: 'configure', options }, h.deps)).toBe(0);
    expect(await h.files.readText(ENV_FILE)).toBe(
      '# mine\nPORTWARDEN_CONTROLLER=old:1\nPORTWARDEN_AGENT_NAME=keep\nPORTWARDEN_AGENT_LABELS=a=b\n',
    );
    expect(h.fake.argv().slice(-3)).toEqual(SETTINGS.map((args) => sc(...args)));
  });

  it('keeps the service account able to write the state, and asks for a restart when running', async () => {
    const h = harness([RUNNING], memoryFiles());
    h.fake.on(SC, ['qc', 'PortwardenAgent'], recorded('sc-qc.local-account.txt'));
    h.fake.on(ICACLS, [...LOCK, 'svc-portwarden:(OI)(CI)M']);
    expect(await runService({ command: 'configure', options: { controller: 'a:1' } }, h.deps)).toBe(0);
    expect(h.fake.argv()).toContainEqual([ICACLS, ...LOCK, 'svc-portwarden:(OI)(CI)M']);
    expect(h.out.join('')).toMatch(/restart the service to apply/);
  });

  it('writes an agent.env with no settings yet, so that the service never names a missing file', async () => {
    const h = harness([NOT_INSTALLED], memoryFiles());
    expect(await runService({ command: 'configure', options: { controller: '' } }, h.deps)).toBe(0);
    expect(await h.files.readText(ENV_FILE)).toBe(ENV_FILE_HEADER);
  });

  it('changes nothing when nothing is new, and says the controller is missing', async () => {
    const h = harness([NOT_INSTALLED], memoryFiles({ [ENV_FILE]: 'OTHER=1\n' }, [STATE]));
    expect(await runService({ command: 'configure', options: {} }, h.deps)).toBe(0);
    expect(h.files.writes).toEqual([]);
    expect(h.out.join('')).toBe(
      `unchanged ${ENV_FILE}\nnote: no controller yet; the service cannot start until configure --controller HOST:PORT\n`,
    );
  });

  it.each([
    ['a controller without a port', { controller: 'ctl' }, /invalid controller address "ctl"/],
    ['a label without =', { labels: 'web' }, /invalid label "web"/],
    ['a malformed token', { enrollToken: 'pwt1.nope' }, /token/],
    ['a name with a line break', { name: 'a\nb' }, /invalid agent name/],
    // as an MSI's NAME="win agent 1" would be: the controller would never enroll it
    ['a name with spaces', { name: 'win agent 1' }, /^invalid agent name "win agent 1"$/],
  ])('refuses %s before changing anything', async (_, options, message) => {
    const h = harness([NOT_INSTALLED], memoryFiles());
    const error = await failure({ command: 'configure', options }, h.deps);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
    expect(h.fake.calls).toEqual([]);
    expect(h.files.writes).toEqual([]);
  });

  it('fails when icacls fails, before the token is written', async () => {
    const denied = { exitCode: 5, stdout: 'C:\\ProgramData\\Portwarden: Access is denied.' };
    const h = harness([NOT_INSTALLED], memoryFiles(), denied);
    const error = await failure({ command: 'configure', options: values }, h.deps);
    expect(error.message).toBe('icacls exited with 5: C:\\ProgramData\\Portwarden: Access is denied.');
    expect(h.files.files.has(ENV_FILE)).toBe(false);
  });
});

describe('on other platforms', () => {
  it('refuses with a ConfigError that points at the .deb and its systemd unit', async () => {
    const h = harness([]);
    const error = await failure(
      { command: 'status' },
      { ...h.deps, system: { ...h.deps.system, platform: 'linux' } },
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).hint).toMatch(/\.deb.*systemd/);
  });
});
