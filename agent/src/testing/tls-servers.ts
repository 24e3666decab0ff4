import type net from 'node:net';
import tls from 'node:tls';
import { listen, type TestServer } from './servers.js';

export interface ServerCertificate {
  certPem: string;
  keyPem: string;
}

/** The server side of a TLS session on an accepted socket; `onSecure` runs once it is established. */
export function secureServerSide(
  socket: net.Socket,
  context: tls.SecureContext,
  onSecure: (secure: tls.TLSSocket) => void,
): void {
  const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
  secure.on('error', () => {});
  secure.once('secure', () => onSecure(secure));
}

/**
 * A loopback TLS server on port 0 (implicit TLS), tracked like `listen`'s: the raw sockets are
 * what `drained` and `close` see.
 */
export function listenTls(
  certificate: ServerCertificate,
  onSecure: (socket: tls.TLSSocket) => void,
  options: { host?: string; backlog?: number } = {},
): Promise<TestServer> {
  const context = tls.createSecureContext({ cert: certificate.certPem, key: certificate.keyPem });
  return listen((socket) => secureServerSide(socket, context, onSecure), options);
}

/** How each protocol greets, asks for TLS, and agrees (or, with `refuse`, declines). */
const NEGOTIATIONS = {
  imap: {
    greeting: '* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n',
    command: /^(\S+) STARTTLS\r\n$/,
    agree: (tag: string) => `${tag} OK Begin TLS negotiation now\r\n`,
    decline: (tag: string) => `${tag} BAD STARTTLS not available\r\n`,
  },
  pop3: {
    greeting: '+OK POP3 ready\r\n',
    command: /^(STLS)\r\n$/,
    agree: () => '+OK Begin TLS negotiation\r\n',
    decline: () => '-ERR not available\r\n',
  },
  ftp: {
    greeting: '220-Welcome\r\n220 FTP ready\r\n',
    command: /^(AUTH TLS)\r\n$/,
    agree: () => '234 AUTH TLS OK\r\n',
    decline: () => '502 not implemented\r\n',
  },
} as const;

/**
 * A minimal IMAP, POP3 or FTP server that greets, upgrades on the STARTTLS command, and then
 * answers every line inside TLS with `OK <line>`.
 */
export function listenStartTls(
  protocol: keyof typeof NEGOTIATIONS,
  certificate: ServerCertificate,
  options: { refuse?: boolean } = {},
): Promise<TestServer> {
  const context = tls.createSecureContext({ cert: certificate.certPem, key: certificate.keyPem });
  const negotiation = NEGOTIATIONS[protocol];
  return listen((socket) => {
    socket.write(negotiation.greeting);
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.endsWith('\n')) return;
      const command = negotiation.command.exec(text);
      text = '';
      if (!command) return void socket.write('BAD unknown command\r\n');
      if (options.refuse) return void socket.write(negotiation.decline(command[1]!));
      socket.off('data', onData);
      socket.write(negotiation.agree(command[1]!), () =>
        secureServerSide(socket, context, (secure) => {
          secure.on('data', (line: Buffer) => secure.write(`OK ${line.toString('latin1')}`));
        }),
      );
    };
    socket.on('data', onData);
  });
}
