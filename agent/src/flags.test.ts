import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommanderError } from 'commander';
import { formatEnrollmentToken, newTokenSecret } from '@portwarden/common/enrollment-token';
import { ConfigError } from '@portwarden/common/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from './flags.js';

const TOKEN = formatEnrollmentToken({ secret: newTokenSecret(), caFingerprint: Buffer.alloc(32, 7) });

const quiet = { writeErr: () => {}, writeOut: () => {} };
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseCommandLine(argv, env, quiet);

function failure(argv: string[], env: NodeJS.ProcessEnv = {}): Error {
  try {
    parse(argv, env);
  } catch (err) {
    return err as Error;
  }
  throw new Error('command line was accepted');
}

describe('command line', () => {
  it('reads every flag', () => {
    const line = parse([
      '--controller',
      '127.0.0.1:7000,[::1]:7001',
      '--controller',
      'ctl:7002',
      '--name',
      'web-1',
      '--label',
      'role=web',
      '--label',
      'site=paris',
      '--state-dir',
      '/var/lib/pw',
      '--enroll-token',
      TOKEN,
      '--spool-max-bytes',
      '64MiB',
      '--log-level',
      'debug',
    ]);
    expect(line).toEqual({
      agent: {
        controllers: ['127.0.0.1:7000', '[::1]:7001', 'ctl:7002'],
        name: 'web-1',
        labels: { role: 'web', site: 'paris' },
        stateDir: '/var/lib/pw',
        tls: { enrollToken: TOKEN },
        spoolMaxBytes: 64 * 1024 * 1024,
      },
      logLevel: 'debug',
    });
  });

  it('runs mutual TLS unless --insecure asks for plaintext', () => {
    // Enrolled already: the identity in the state directory is used, no token needed.
    expect(parse(['--controller', 'a:1']).agent.tls).toEqual({});
    expect(parse(['--controller', 'a:1'], { PORTWARDEN_ENROLL_TOKEN: TOKEN }).agent.tls).toEqual({
      enrollToken: TOKEN,
    });
    expect(parse(['--controller', 'a:1', '--insecure']).agent).not.toHaveProperty('tls');
  });

  // Each spelling of a spool bound, and the bytes it means.
  const sizes: [string, number][] = [
    ['4096', 4096],
    ['64KiB', 65_536],
    ['64K', 65_536],
    ['256MiB', 268_435_456],
    ['1 GiB', 1_073_741_824],
  ];
  it.each(sizes)('reads the spool bound %s', (text, bytes) => {
    expect(parse(['--insecure', '--controller', 'a:1', '--spool-max-bytes', text]).agent.spoolMaxBytes).toBe(
      bytes,
    );
    expect(
      parse(['--insecure', '--controller', 'a:1'], { PORTWARDEN_SPOOL_MAX_BYTES: text }).agent.spoolMaxBytes,
    ).toBe(bytes);
  });

  it('falls back to the environment, then to defaults', () => {
    const env = {
      PORTWARDEN_CONTROLLER: 'a:1,b:2',
      PORTWARDEN_AGENT_LABELS: 'role=db, tier=1',
      LOG_LEVEL: 'warn',
    };
    expect(parse(['--insecure'], env)).toEqual({
      agent: {
        controllers: ['a:1', 'b:2'],
        name: os.hostname(),
        labels: { role: 'db', tier: '1' },
        stateDir: './.portwarden/agent',
      },
      logLevel: 'warn',
    });
    const flagsWin = parse(['--insecure', '--controller', 'c:3', '--name', 'x'], {
      ...env,
      PORTWARDEN_AGENT_NAME: 'y',
    });
    expect(flagsWin.agent).toMatchObject({ controllers: ['c:3'], name: 'x' });
  });

  it('names the local config file with --config or PORTWARDEN_AGENT_CONFIG, else leaves it to the agent', () => {
    expect(parse(['--insecure', '--controller', 'a:1']).agent).not.toHaveProperty('configFile');
    const env = { PORTWARDEN_AGENT_CONFIG: '/etc/portwarden/agent.yaml' };
    expect(parse(['--insecure', '--controller', 'a:1'], env).agent.configFile).toBe(
      '/etc/portwarden/agent.yaml',
    );
    expect(
      parse(['--insecure', '--controller', 'a:1', '--config', '/srv/pw.yaml'], env).agent.configFile,
    ).toBe('/srv/pw.yaml');
  });

  // Each case: the arguments, then the one line the user sees; the comment says why it is refused.
  const invalid: [string, string[], RegExp][] = [
    // plaintext and enrollment exclude each other
    [
      '--insecure with a token',
      ['--insecure', '--controller', 'a:1', '--enroll-token', TOKEN],
      /^--insecure and an enrollment token exclude each other$/,
    ],
    // caught before the first attempt to reach the controller, and never echoed
    [
      'a malformed token',
      ['--controller', 'a:1', '--enroll-token', 'pwt1.secret'],
      /^the enrollment token is malformed$/,
    ],
    [
      'a spool bound without a number',
      ['--insecure', '--controller', 'a:1', '--spool-max-bytes', 'big'],
      /^invalid spool size "big"$/,
    ],
    [
      'a zero spool bound',
      ['--insecure', '--controller', 'a:1', '--spool-max-bytes', '0'],
      /^invalid spool size "0"$/,
    ],
    ['no controller', ['--insecure'], /^no controller address$/],
    [
      'a port out of range',
      ['--insecure', '--controller', 'a:70000'],
      /^invalid controller address "a:70000"$/,
    ],
    ['no port', ['--insecure', '--controller', 'ctl'], /^invalid controller address "ctl"$/],
    ['a label without =', ['--insecure', '--controller', 'a:1', '--label', 'web'], /^invalid label "web"/],
    [
      'an unknown log level',
      ['--insecure', '--controller', 'a:1', '--log-level', 'loud'],
      /^unknown log level "loud"$/,
    ],
    // the controller would refuse it at enrollment and in the hello, for ever
    [
      'a name with a space',
      ['--insecure', '--controller', 'a:1', '--name', 'web 1'],
      /^invalid agent name "web 1"$/,
    ],
    [
      'a name starting with a dot',
      ['--insecure', '--controller', 'a:1', '--name', '.web'],
      /^invalid agent name/,
    ],
    [
      'a name too long',
      ['--insecure', '--controller', 'a:1', '--name', 'a'.repeat(129)],
      /^invalid agent name/,
    ],
  ];

  it.each(invalid)('refuses %s with a ConfigError and a hint', (_, argv, message) => {
    const error = failure(argv);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
    expect((error as ConfigError).hint).toBeTruthy();
    expect(error.message).not.toContain('\n');
  });

  it('leaves unknown flags to commander, which exits with a usage error', () => {
    const error = failure(['--insecure', '--enrol-token', 'x']);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).exitCode).toBe(1);
  });
});

describe('--environment-file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pw-envfile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const full = path.join(dir, name);
    writeFileSync(full, text);
    return full;
  };
  const settings = file(
    'agent.env',
    '\uFEFF# written by service configure\r\n' +
      'PORTWARDEN_CONTROLLER=file:7443\r\n' +
      `PORTWARDEN_ENROLL_TOKEN=${TOKEN}\r\n` +
      "PORTWARDEN_AGENT_NAME='web-1'\r\n" +
      'PORTWARDEN_AGENT_LABELS=role=web,site=paris\r\n' +
      'PORTWARDEN_SPOOL_MAX_BYTES=1MiB\r\n',
  );

  it('fills the environment the flags are read from, by flag or by PORTWARDEN_ENVIRONMENT_FILE', () => {
    const expected = {
      controllers: ['file:7443'],
      name: 'web-1',
      labels: { role: 'web', site: 'paris' },
      tls: { enrollToken: TOKEN },
      spoolMaxBytes: 1024 * 1024,
    };
    expect(parse(['--environment-file', settings]).agent).toMatchObject(expected);
    expect(parse([], { PORTWARDEN_ENVIRONMENT_FILE: settings }).agent).toMatchObject(expected);
  });

  it('lets real environment variables and then flags win over the file', () => {
    const env = {
      PORTWARDEN_ENVIRONMENT_FILE: settings,
      PORTWARDEN_CONTROLLER: 'env:1',
      PORTWARDEN_AGENT_NAME: '',
    };
    // An empty variable counts as unset, as it does without a file: the file's name is used.
    expect(parse([], env).agent).toMatchObject({ controllers: ['env:1'], name: 'web-1' });
    expect(parse(['--controller', 'flag:2', '--name', 'n'], env).agent).toMatchObject({
      controllers: ['flag:2'],
      name: 'n',
    });
  });

  it('checks what the file says like any other setting', () => {
    const bad = file('bad.env', 'PORTWARDEN_CONTROLLER=nohost\n');
    expect(failure(['--environment-file', bad]).message).toBe('invalid controller address "nohost"');
  });

  it('refuses a missing file with a ConfigError naming it', () => {
    const missing = path.join(dir, 'missing.env');
    for (const error of [
      failure(['--environment-file', missing]),
      failure([], { PORTWARDEN_ENVIRONMENT_FILE: missing }),
    ]) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(`cannot read the env file ${missing}: ENOENT`);
      expect((error as ConfigError).hint).toMatch(/--environment-file/);
    }
  });

  it.skipIf(process.platform === 'win32' || process.getuid?.() === 0)('refuses an unreadable file', () => {
    const locked = file('locked.env', 'PORTWARDEN_CONTROLLER=a:1\n');
    chmodSync(locked, 0o000);
    expect(failure(['--environment-file', locked]).message).toBe(
      `cannot read the env file ${locked}: EACCES`,
    );
  });
});

describe('--metrics-listen', () => {
  it('is off unless given, by flag or PORTWARDEN_METRICS_LISTEN; the flag wins', () => {
    expect(parse(['--insecure', '--controller', 'a:1']).agent).not.toHaveProperty('metricsListen');
    const env = { PORTWARDEN_METRICS_LISTEN: '127.0.0.1:9464' };
    expect(parse(['--insecure', '--controller', 'a:1'], env).agent.metricsListen).toBe('127.0.0.1:9464');
    expect(
      parse(['--insecure', '--controller', 'a:1', '--metrics-listen', '9465'], env).agent.metricsListen,
    ).toBe('9465');
  });

  it('refuses an address it cannot read before the agent starts', () => {
    expect(() => parse(['--insecure', '--controller', 'a:1', '--metrics-listen', 'localhost'])).toThrow(
      ConfigError,
    );
  });
});
