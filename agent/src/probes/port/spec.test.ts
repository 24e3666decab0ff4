import { ConfigError } from '@portwarden/common/errors';
import { describe, expect, it } from 'vitest';
import { defaultPortSpec, type PortSpec } from './spec.js';

describe('defaultPortSpec', () => {
  it('fills every default', () => {
    expect(defaultPortSpec({ port: 25 })).toEqual({
      host: '127.0.0.1',
      port: 25,
      family: 'auto',
      addresses: 'first',
      steps: [],
      crlf: false,
      extraCrlf: false,
      quit: Buffer.alloc(0),
      maxBytes: 4096,
      timeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      slowAfterMs: 0,
      tls: false,
      starttls: 'none',
      sni: '',
      tlsVerify: true,
      caFile: '',
      certExpiresWithinMs: 0,
      expectClosed: false,
      transcript: false,
    } satisfies PortSpec);
  });

  it('turns the shorthand into steps, decoding escapes and resolving the service', () => {
    const spec = defaultPortSpec({
      host: 'mail.example',
      service: 'smtp',
      send: 'HELO x\\r\\nNOOP',
      expect: ['250', 'ok'],
      expectRegex: '^2\\d\\d ',
      expectMode: 'any',
      ignoreCase: true,
      quit: 'QUIT',
      tls: true,
      timeoutMs: 3000,
      connectTimeoutMs: 5000,
    });
    expect(spec).toMatchObject({
      port: 25,
      steps: [
        { kind: 'send', bytes: Buffer.from('HELO x\r\nNOOP') },
        {
          kind: 'expect',
          expect: { texts: ['250', 'ok'], regexes: ['^2\\d\\d '], mode: 'any', ignoreCase: true },
        },
      ],
      quit: Buffer.from('QUIT'),
      // SNI defaults to a host name; the connect timeout never exceeds the timeout.
      sni: 'mail.example',
      connectTimeoutMs: 3000,
    });
  });

  it('sends no SNI for an address', () => {
    expect(defaultPortSpec({ host: '[::1]', port: 443, tls: true }).sni).toBe('');
  });

  it('throws one ConfigError naming every problem', () => {
    const attempt = () =>
      defaultPortSpec({
        service: 'gopher',
        send: 'a\\q',
        expectRegex: '(',
        tls: true,
        starttls: 'smtp',
        host: '::1',
        family: 'ipv4',
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      'invalid probe: service "gopher" is unknown; ' +
        'send has an unknown escape "\\q" at character 2; use \\r \\n \\t \\\\ or \\xHH; ' +
        'port must be 1-65535; family ipv4 does not fit the address ::1; ' +
        'tls and starttls cannot go together; steps[1] has an invalid regular expression /(/: Unterminated group',
    );
  });

  it('refuses a conversation on a port that must stay closed', () => {
    expect(() => defaultPortSpec({ port: 1, expectClosed: true, expect: 'x' })).toThrow(
      'invalid probe: expectClosed takes no conversation, TLS or quit: the port must stay closed',
    );
  });
});
