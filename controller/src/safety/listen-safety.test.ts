import { describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { grpcListenSafety, httpListenSafety, isLoopback } from './listen-safety.js';

describe('isLoopback', () => {
  // [host, loopback?, why]
  const cases: [string, boolean, string][] = [
    ['127.0.0.1', true, 'the usual loopback'],
    ['127.5.6.7', true, 'all of 127/8 is loopback'],
    ['::1', true, 'IPv6 loopback'],
    ['::ffff:127.0.0.1', true, 'IPv4 loopback mapped into IPv6'],
    ['localhost', true, 'the one name that means this machine'],
    ['LOCALHOST', true, 'names are case-insensitive'],
    ['0.0.0.0', false, 'every IPv4 interface'],
    ['::', false, 'every interface'],
    ['::ffff:10.0.0.1', false, 'a private address mapped into IPv6'],
    ['10.0.0.5', false, 'a private network is still a network'],
    ['192.168.1.2', false, 'same'],
    ['fe80::1', false, 'link-local reaches the neighbours'],
    ['controller.example', false, 'a name is not resolved: it may name anything'],
    ['localhost.example', false, 'only localhost itself'],
  ];
  it.each(cases)('%s -> %s (%s)', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });
});

describe('httpListenSafety', () => {
  // [listen, tls, --http-insecure-public, refused?, why]
  const cases: [string, boolean, boolean, boolean, string][] = [
    ['127.0.0.1:7480', false, false, false, 'loopback plaintext is the default and safe'],
    ['[::1]:0', false, false, false, 'IPv6 loopback'],
    ['localhost:7480', false, false, false, 'localhost'],
    ['0.0.0.0:7480', false, false, true, 'every interface in plaintext'],
    [':7480', false, false, true, 'an empty host binds every interface'],
    ['[::]:7480', false, false, true, 'every IPv6 interface'],
    ['10.0.0.5:7480', false, false, true, 'a network address'],
    ['controller.example:7480', false, false, true, 'a name that is not localhost'],
    ['0.0.0.0:7480', false, true, false, 'the operator said so explicitly'],
    ['0.0.0.0:7480', true, false, false, 'HTTPS may listen anywhere'],
  ];
  it.each(cases)(
    '%s tls=%s insecure-public=%s -> refused %s (%s)',
    (listen, tls, insecurePublic, refused) => {
      const error = httpListenSafety(listen, tls, { httpInsecurePublic: insecurePublic });
      expect(error !== undefined).toBe(refused);
    },
  );

  it('says what is wrong on one line and how to fix it', () => {
    const error = httpListenSafety('0.0.0.0:7480', false, {});
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/^refusing plaintext HTTP on 0\.0\.0\.0:7480, beyond loopback/);
    expect(error?.message).not.toContain('\n');
    expect(error?.hint).toMatch(
      /--http-tls-cert.*--ca-key-file without --insecure.*TLS reverse proxy.*--http-insecure-public \(PORTWARDEN_HTTP_INSECURE_PUBLIC=1\)/,
    );
  });

  it('refuses an address it cannot read, before deciding', () => {
    expect(() => httpListenSafety('nowhere', false, {})).toThrow(/invalid HTTP listen address "nowhere"/);
  });
});

describe('grpcListenSafety', () => {
  // [listen, tls, refused?, why]
  const cases: [string, boolean, boolean, string][] = [
    ['127.0.0.1:7443', false, false, '--insecure on loopback, as documented'],
    ['[::1]:7443', false, false, 'IPv6 loopback'],
    ['unix:/run/portwarden.sock', false, false, 'a unix socket stays on this machine'],
    ['0.0.0.0:7443', false, true, 'plaintext, unauthenticated agents on every interface'],
    ['[::]:7443', false, true, 'same on IPv6'],
    ['192.168.1.2:7443', false, true, 'a network address'],
    ['0.0.0.0:7443', true, false, 'mutual TLS may listen anywhere'],
  ];
  it.each(cases)('%s tls=%s -> refused %s (%s)', (listen, tls, refused) => {
    expect(grpcListenSafety(listen, tls) !== undefined).toBe(refused);
  });

  it('points at mutual TLS or loopback', () => {
    const error = grpcListenSafety('0.0.0.0:7443', false);
    expect(error?.message).toMatch(/^refusing --insecure gRPC on 0\.0\.0\.0:7443, beyond loopback/);
    expect(error?.hint).toMatch(/--ca-key-file.*loopback/);
  });
});
