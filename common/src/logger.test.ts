import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { consoleFormat, LOG_FORMAT_ENV } from './logger.js';

describe('consoleFormat', () => {
  // [terminal?, PORTWARDEN_LOG_FORMAT, format, why]
  const cases: [boolean, string | undefined, 'pretty' | 'json', string][] = [
    [true, undefined, 'pretty', 'a person at a terminal (npm start)'],
    [false, undefined, 'json', 'a pipe, a file, journald, a test: one JSON event per line'],
    [true, 'json', 'json', 'a terminal user who wants the machine format'],
    [false, 'pretty', 'pretty', 'readable lines into a file or a pager'],
    [false, ' PRETTY ', 'pretty', 'any case, stray blanks from an env file'],
    [true, 'yaml', 'pretty', 'an unknown value changes nothing'],
    [false, '', 'json', 'empty counts as unset'],
  ];
  it.each(cases)('terminal %s, %s -> %s (%s)', (terminal, value, format) => {
    expect(consoleFormat(terminal, value === undefined ? {} : { [LOG_FORMAT_ENV]: value })).toBe(format);
  });
});

describe('createLogger on the console', () => {
  // A child process of its own: its stdout is a pipe, as in a test or under a service manager.
  const run = async (env: NodeJS.ProcessEnv) => {
    const script = `
      const { createLogger } = await import(${JSON.stringify(new URL('../dist/logger.js', import.meta.url).href)});
      createLogger({ name: 'controller' }).child({ service: 'agent' }).info({ token: 's3cret', port: 80 }, 'hello');`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
    });
    return stdout;
  };

  it('writes JSON lines when stdout is not a terminal', async () => {
    const { [LOG_FORMAT_ENV]: _, ...env } = process.env;
    const lines = (await run({ ...env, [LOG_FORMAT_ENV]: '' })).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      name: 'controller',
      service: 'agent',
      msg: 'hello',
      token: '[redacted]',
    });
  });

  it('writes one readable line, secrets redacted, when asked for pretty', async () => {
    const out = await run({ [LOG_FORMAT_ENV]: 'pretty', NO_COLOR: '1' });
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(controller\): \[agent\] hello \{.*\}$/m);
    expect(out).toContain('"token":"[redacted]"');
    expect(out).not.toContain('s3cret');
    expect(out.trim().split('\n')).toHaveLength(1);
  });
});
