import { describe, expect, it } from 'vitest';
import { redactArgs, redactText } from './redact.js';

describe('redaction', () => {
  it.each([
    ['--password=hunter2', '--password=[redacted]'],
    ['DB_PASSWORD=hunter2', 'DB_PASSWORD=[redacted]'],
    ['api_key: abc123 next', 'api_key: [redacted] next'],
    ['token="a b c"', 'token=[redacted]'],
    ['https://admin:hunter2@db.example/x', 'https://admin:[redacted]@db.example/x'],
    ['Authorization: Bearer eyJabc.def', 'Authorization: [redacted] [redacted]'],
    ['curl -H "Bearer eyJabc.def"', 'curl -H "Bearer [redacted]"'],
    ['nothing secret here', 'nothing secret here'],
  ])('masks %j', (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it('masks the declared secrets anywhere', () => {
    expect(redactText('connecting with s3cr3t to host', ['s3cr3t'])).toBe(
      'connecting with [redacted] to host',
    );
  });

  it('masks the value after a secret-named flag, whole', () => {
    expect(redactArgs(['--user', 'bob', '--password', 'two words', '/token', 'abc', '-v'])).toEqual([
      '--user',
      'bob',
      '--password',
      '[redacted]',
      '/token',
      '[redacted]',
      '-v',
    ]);
  });

  it('keeps arguments that only look alike', () => {
    expect(redactArgs(['--passive', 'on', 'restart', 'nginx'])).toEqual([
      '--passive',
      'on',
      'restart',
      'nginx',
    ]);
  });
});
