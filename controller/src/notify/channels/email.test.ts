import { once } from 'node:events';
import { inspect } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '@portwarden/common/logger';
import type { IncidentEvent } from '../../state/event.js';
import { testHttpsCertificate } from '../../testing/https-certificate.js';
import {
  ChannelConfigError,
  ConnectionError,
  DeliveryTimeoutError,
  SmtpAuthError,
  SmtpDeferredError,
  SmtpRejectedError,
  SmtpTlsError,
  type DeliveryError,
} from '../retry.js';
import { emailChannel } from './email.js';

const opened: IncidentEvent = {
  outboxId: 3,
  event: 'opened',
  incidentId: 5,
  check: { id: 'web', name: '<script>alert("x")</script> & co', host: '10.0.0.7', port: 443 },
  agent: { name: 'edge-1', hostname: 'edge-1.example', labels: { env: 'prod' } },
  alertGroup: { id: 'ops', name: 'Ops' },
  policyRevision: 1,
  reason: 'refused',
  detail: 'connect ECONNREFUSED 10.0.0.7:443',
  consecutiveFailures: 3,
  startsAt: '2026-11-21T10:00:00.000Z',
};
const resolved: IncidentEvent = {
  ...opened,
  outboxId: 4,
  event: 'resolved',
  endsAt: '2026-11-21T10:05:00.000Z',
};
const context = { logger: silentLogger(), externalUrl: 'https://ui.example/' };
const PASSWORD = 'hunter2-smtp-pw';

let dir: string;
let tls: Awaited<ReturnType<typeof testHttpsCertificate>>;
let caFile: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-email-'));
  tls = await testHttpsCertificate();
  caFile = path.join(dir, 'ca.pem');
  await writeFile(caFile, tls.caPem);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()));
});

interface Received {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server (smtp-server) on 127.0.0.1 port 0, offering STARTTLS with the test CA's certificate. */
async function smtpServer(options: SMTPServerOptions = {}): Promise<{ port: number; mails: Received[] }> {
  const mails: Received[] = [];
  const server = new SMTPServer({
    name: 'mx.test',
    key: tls.key,
    cert: tls.cert,
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...options,
  });
  server.on('error', () => {});
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, mails };
}

function config(port: number, smtp: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return emailChannel.parseConfig({
    to: ['ops@example.com', 'Pager <pager@example.com>'],
    from: 'Portwarden <alerts@example.com>',
    ...extra,
    smtp: { host: '127.0.0.1', port, ca: tls.caPem, timeout: '5s', ...smtp },
  });
}

const send = (event: IncidentEvent, cfg: ReturnType<typeof config>) =>
  emailChannel.send({ event, channelKey: 'ops#0:email', attempt: 1 }, cfg, context);

const failure = (event: IncidentEvent, cfg: ReturnType<typeof config>) =>
  send(event, cfg).then(
    () => expect.fail('the send succeeded'),
    (error: unknown) => error as DeliveryError,
  );

/** Headers (unfolded, names lower-cased) and the decoded text/plain and text/html parts of a raw mail. */
function parseMail(raw: string) {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of head!.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')![1]!;
  const parts = new Map<string, string>();
  for (const part of rest.join('\r\n\r\n').split(`--${boundary}`).slice(1, -1)) {
    const [partHead, ...partBody] = part.replace(/^\r\n/, '').split('\r\n\r\n');
    const type = /content-type:\s*([^;\r\n]+)/i.exec(partHead!)![1]!.trim();
    const encoding = /content-transfer-encoding:\s*(\S+)/i.exec(partHead!)?.[1]?.toLowerCase();
    parts.set(type, decode(partBody.join('\r\n\r\n').replace(/\r\n$/, ''), encoding));
  }
  return { headers, text: parts.get('text/plain')!, html: parts.get('text/html')! };
}

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`); blanks between two of them go. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_all, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decode(text.replace(/_/g, ' '), 'quoted-printable'),
    );
}

function decode(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_all, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

describe('email channel: delivery to a real SMTP server', () => {
  it('sends the firing and the resolved mail in one thread, over STARTTLS with AUTH', async () => {
    const logins: string[] = [];
    const { port, mails } = await smtpServer({
      onAuth(auth, _session, callback) {
        logins.push(`${auth.username}:${auth.password}`);
        if (auth.username === 'alerts' && auth.password === PASSWORD) callback(null, { user: 'alerts' });
        else callback(new Error('Invalid username or password'));
      },
    });
    // smtp.ca as a file path; the PEM text inline is the other form.
    const cfg = config(port, { ca: caFile, username: 'alerts', password: PASSWORD });
    await send(opened, cfg);
    await send(resolved, cfg);

    expect(logins).toEqual([`alerts:${PASSWORD}`, `alerts:${PASSWORD}`]);
    expect(mails.map((m) => [m.from, m.to])).toEqual([
      ['alerts@example.com', ['ops@example.com', 'pager@example.com']],
      ['alerts@example.com', ['ops@example.com', 'pager@example.com']],
    ]);
    const firing = parseMail(mails[0]!.raw);
    const done = parseMail(mails[1]!.raw);

    expect(firing.headers.get('from')).toBe('Portwarden <alerts@example.com>');
    expect(firing.headers.get('to')).toBe('ops@example.com, Pager <pager@example.com>');
    expect(firing.headers.get('subject')).toBe(
      '[FIRING] <script>alert("x")</script> & co on edge-1: refused',
    );
    expect(done.headers.get('subject')).toBe(
      '[RESOLVED] <script>alert("x")</script> & co on edge-1: refused',
    );
    expect(firing.headers.get('auto-submitted')).toBe('auto-generated');
    expect(firing.headers.get('x-portwarden-status')).toBe('firing');
    expect(done.headers.get('x-portwarden-status')).toBe('resolved');

    // Threading: the resolved mail replies to the opened one and has its own Message-ID.
    const thread = firing.headers.get('message-id')!;
    expect(thread).toMatch(
      new RegExp(`^<incident-5\\.${Date.parse(opened.startsAt)}\\.[0-9a-f]{16}@ui\\.example>$`),
    );
    expect(firing.headers.has('in-reply-to')).toBe(false);
    expect(done.headers.get('message-id')).toBe(thread.replace('@', '.resolved@'));
    expect(done.headers.get('in-reply-to')).toBe(thread);
    expect(done.headers.get('references')).toBe(thread);

    expect(firing.headers.get('content-type')).toMatch(/^multipart\/alternative;/);
    expect(firing.text).toContain('FIRING: <script>alert("x")</script> & co on edge-1 failed: refused');
    expect(firing.text).toMatch(/^Incident: +https:\/\/ui\.example\/incidents\/5$/m);
    expect(done.text).toMatch(/^Resolved: +2026-11-21T10:05:00\.000Z$/m);
    expect(firing.text).not.toMatch(/^Resolved:/m);
    // The hostile check name is text in the HTML part, never markup.
    expect(firing.html).not.toContain('<script>');
    expect(firing.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(firing.html).toContain('<a href="https://ui.example/incidents/5">');
    expect(mails[0]!.raw).not.toContain(PASSWORD);
  });

  it('sends over implicit TLS (security: tls) with the CA given inline', async () => {
    const { port, mails } = await smtpServer({ secure: true });
    await send(
      opened,
      config(port, { security: 'tls' }, { to: 'ops@example.com', subject: '{group}: {status} {check}' }),
    );
    expect(mails[0]!.to).toEqual(['ops@example.com']);
    expect(parseMail(mails[0]!.raw).headers.get('subject')).toBe(
      'Ops: FIRING <script>alert("x")</script> & co',
    );
  });

  it('sends in plain text with security: none, without STARTTLS even when offered', async () => {
    const { port, mails } = await smtpServer({
      onMailFrom(_address, session, callback) {
        callback(session.secure ? new Error('expected a plain session') : null);
      },
    });
    await send(opened, config(port, { security: 'none' }));
    expect(mails).toHaveLength(1);
  });
});

describe('email channel: failures', () => {
  it('fails for good on a wrong password, with a hint and without the password', async () => {
    const { port } = await smtpServer({
      onAuth(_auth, _session, callback) {
        callback(new Error('Invalid username or password'));
      },
    });
    const error = await failure(opened, config(port, { username: 'alerts', password: 'wrong-pw-9' }));
    expect(error).toBeInstanceOf(SmtpAuthError);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      `SMTP 127.0.0.1:${port}: authentication failed: 535 Invalid username or password`,
    );
    expect(error.hint).toMatch(/smtp\.password/);
    // Nor anywhere in what a log line would show, the cause included.
    expect(inspect(error, { depth: 10 })).not.toContain('wrong-pw-9');
  });

  it('counts a mail some recipients refused as sent, and warns with their addresses', async () => {
    const { port, mails } = await smtpServer({
      onRcptTo(address, _session, callback) {
        const gone = address.address.startsWith('gone');
        callback(gone ? Object.assign(new Error('No such user'), { responseCode: 550 }) : null);
      },
    });
    const lines: string[] = [];
    const logger = createLogger({ name: 'test', destination: { write: (line: string) => lines.push(line) } });
    const cfg = config(port, {}, { to: ['ops@example.com', 'gone@example.com'] });
    await emailChannel.send({ event: opened, channelKey: 'ops#0:email', attempt: 1 }, cfg, {
      ...context,
      logger,
    });
    expect(mails.map((m) => m.to)).toEqual([['ops@example.com']]);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 40, rejected: ['gone@example.com'], channel: 'ops#0:email' }),
    ]);
  });

  it('fails for good when credentials are set and the server offers no AUTH', async () => {
    const { port } = await smtpServer({ disabledCommands: ['AUTH'] });
    const error = await failure(opened, config(port, { username: 'alerts', password: PASSWORD }));
    expect(error).toBeInstanceOf(SmtpAuthError);
    expect(error.retryable).toBe(false);
  });

  it('retries a 451 and keeps its text; a 550 is final with the reply', async () => {
    const { port } = await smtpServer({
      onRcptTo(address, _session, callback) {
        const code = address.address.startsWith('busy') ? 451 : 550;
        callback(
          Object.assign(new Error(code === 451 ? 'Try again later' : 'No such user'), { responseCode: code }),
        );
      },
    });
    const deferred = await failure(opened, config(port, {}, { to: 'busy@example.com' }));
    expect(deferred).toBeInstanceOf(SmtpDeferredError);
    expect(deferred.retryable).toBe(true);
    expect(deferred.message).toBe(`SMTP 127.0.0.1:${port} deferred the mail: 451 Try again later`);

    const rejected = await failure(opened, config(port, {}, { to: 'nobody@example.com' }));
    expect(rejected).toBeInstanceOf(SmtpRejectedError);
    expect(rejected.retryable).toBe(false);
    expect((rejected as SmtpRejectedError).replyCode).toBe(550);
    expect(rejected.message).toBe(`SMTP 127.0.0.1:${port} rejected the mail: 550 No such user`);
  });

  it('retries a refused connection', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await failure(opened, config(port));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(`SMTP 127.0.0.1:${port}: connection failed (ECONNREFUSED)`);
  });

  it('retries after the timeout when the server never greets', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    cleanup.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const error = await failure(opened, config((silent.address() as AddressInfo).port, { timeout: '300ms' }));
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect(error.retryable).toBe(true);
  });

  it('fails clearly with security: tls against a plain server', async () => {
    const { port } = await smtpServer();
    const error = await failure(opened, config(port, { security: 'tls' }));
    expect(error).toBeInstanceOf(SmtpTlsError);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      `SMTP 127.0.0.1:${port}: TLS failed: the server did not answer in TLS (a plain-text or STARTTLS port?)`,
    );
    expect(error.hint).toMatch(/security: tls speaks TLS from the first byte/);
  });

  it('requires the STARTTLS upgrade: a server without it is a final failure', async () => {
    const { port, mails } = await smtpServer({ disabledCommands: ['STARTTLS'] });
    const error = await failure(opened, config(port));
    expect(error).toBeInstanceOf(SmtpTlsError);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/the server refused STARTTLS: 5\d\d /);
    expect(mails).toEqual([]);
  });

  it('verifies the certificate: a CA not trusted is a final failure naming smtp.ca', async () => {
    const { port } = await smtpServer();
    const cfg = emailChannel.parseConfig({
      to: 'ops@example.com',
      from: 'alerts@example.com',
      smtp: { host: '127.0.0.1', port, timeout: '5s' },
    });
    const error = await failure(opened, cfg);
    expect(error).toBeInstanceOf(SmtpTlsError);
    expect(error.retryable).toBe(false);
    expect(error.hint).toMatch(/smtp\.ca/);
  });

  it('fails for good when smtp.ca names a file that cannot be read', async () => {
    const error = await failure(opened, config(1, { ca: path.join(dir, 'missing.pem') }));
    expect(error).toBeInstanceOf(ChannelConfigError);
    expect(error.message).toMatch(/smtp\.ca: cannot read .*missing\.pem \(ENOENT\)/);
  });
});

describe('email channel: parseConfig', () => {
  const base = { to: 'ops@example.com', from: 'alerts@example.com' };

  it.each([
    ['starttls', 587],
    ['tls', 465],
    ['none', 25],
  ])('defaults the port for %s to %i', (security, port) => {
    expect(emailChannel.parseConfig({ ...base, smtp: { host: 'mail.example', security } }).smtp.port).toBe(
      port,
    );
  });

  it('fills in the defaults: starttls, 30s, one recipient as a list, no auth', () => {
    expect(emailChannel.parseConfig({ ...base, smtp: { host: 'mail.example' } })).toEqual({
      to: ['ops@example.com'],
      from: 'alerts@example.com',
      subject: '[{status}] {check} on {agent}: {reason}',
      smtp: { host: 'mail.example', port: 587, security: 'starttls', timeoutMs: 30_000 },
    });
  });

  // Each: the config, then the message the user must see.
  it.each([
    [{ ...base, smtp: {} }, /smtp\.host/],
    [{ ...base, to: 'not-an-address', smtp: { host: 'h' } }, /to expected an email address/],
    [{ ...base, to: [], smtp: { host: 'h' } }, /to /],
    [{ ...base, smtp: { host: 'h', security: 'ssl' } }, /smtp\.security/],
    [
      { ...base, smtp: { host: 'h', password: 'p-secret-1' } },
      /smtp\.password username and password go together/,
    ],
    [{ ...base, smtp: { host: 'h', username: 'u' } }, /username and password go together/],
    [
      { ...base, subject: '{status} {severity}', smtp: { host: 'h' } },
      /subject unknown placeholder; known: \{status\} \{check\}/,
    ],
    [{ ...base, smtp: { host: 'h', tlsInsecure: true } }, /unrecognized|unknown/i],
  ])('rejects %j', (raw, message) => {
    const error = (() => {
      try {
        emailChannel.parseConfig(raw);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ChannelConfigError);
    expect(error!.message).toMatch(message);
    expect(error!.message).not.toContain('p-secret-1');
  });
});
