import { describe, expect, it } from 'vitest';
import { hostAllowance, hostAllowed } from './hosts.js';

const loopback = hostAllowance({ listenHost: '127.0.0.1', port: 7480 });
const behindProxy = hostAllowance({
  listenHost: '127.0.0.1',
  port: 7480,
  externalUrl: 'https://portwarden.example.com',
  allowed: ['pw.internal', 'pw2.internal:8443'],
});
const wildcard = hostAllowance({ listenHost: '0.0.0.0', port: 7480 });

describe('hostAllowed', () => {
  it.each([
    // the bound address, and loopback names on its port
    [loopback, '127.0.0.1:7480', true],
    [loopback, 'localhost:7480', true],
    [loopback, 'LOCALHOST:7480', true],
    [loopback, '[::1]:7480', true],
    // DNS rebinding: the attacker's name resolved to 127.0.0.1
    [loopback, 'evil.example:7480', false],
    // another port on loopback is another service
    [loopback, 'localhost:8080', false],
    // no Host header at all
    [loopback, undefined, false],
    // --external-url (default port, so no port in the Host header)
    [behindProxy, 'portwarden.example.com', true],
    // --http-allowed-hosts without a port: any port; with a port: that one
    [behindProxy, 'pw.internal:443', true],
    [behindProxy, 'pw2.internal:8443', true],
    [behindProxy, 'pw2.internal:80', false],
    // on a wildcard address any IP literal on the port (an IP cannot be rebound), no other name
    [wildcard, '10.1.2.3:7480', true],
    [wildcard, '[fe80::1]:7480', true],
    [wildcard, '10.1.2.3:80', false],
    [wildcard, 'evil.example:7480', false],
  ])('%#: %s', (allowance, host, expected) => expect(hostAllowed(host, allowance)).toBe(expected));
});
