import { describe, expect, it } from 'vitest';
import { httpTlsSource, type HttpTlsChoice, type HttpTlsSource } from './http-tls.js';

const tls = { caKey: 'k'.repeat(32) };
const httpTls = { cert: 'CERT', key: 'KEY' };
const loopback = '127.0.0.1:7480';
const everywhere = '0.0.0.0:7480';

describe('httpTlsSource', () => {
  it.each<[HttpTlsChoice, HttpTlsSource]>([
    // why: the quick start and a local reverse proxy keep plain HTTP, even with a CA
    [{ httpListen: loopback, tls }, 'none'],
    // why: --http-tls-from-ca asks for the CA's certificate on loopback too
    [{ httpListen: loopback, tls, httpTlsFromCa: true }, 'ca'],
    // why: beyond loopback a controller with its CA speaks HTTPS without being asked (issue 9)
    [{ httpListen: everywhere, tls }, 'ca'],
    // why: the same for an address of one interface, and for IPv6
    [{ httpListen: '192.0.2.10:7480', tls }, 'ca'],
    [{ httpListen: '[::]:7480', tls }, 'ca'],
    // why: a host name other than localhost is never resolved: it counts as beyond loopback
    [{ httpListen: 'controller.example:7480', tls }, 'ca'],
    // why: localhost and ::1 are loopback
    [{ httpListen: 'localhost:7480', tls }, 'none'],
    [{ httpListen: '[::1]:7480', tls }, 'none'],
    // why: --http-insecure-public is an explicit wish for plain HTTP beyond loopback
    [{ httpListen: everywhere, tls, httpInsecurePublic: true }, 'none'],
    // why: ...unless HTTPS from the CA is asked for as explicitly
    [{ httpListen: everywhere, tls, httpInsecurePublic: true, httpTlsFromCa: true }, 'ca'],
    // why: without a CA (--insecure) there is no certificate to take: plain, and safety/ refuses it
    [{ httpListen: everywhere }, 'none'],
    // why: a certificate of its own wins over everything else
    [{ httpListen: everywhere, tls, httpTls, httpTlsFromCa: true }, 'own'],
    [{ httpListen: loopback, httpTls }, 'own'],
  ])('%o -> %s', (choice, source) => {
    expect(httpTlsSource(choice)).toBe(source);
  });
});
