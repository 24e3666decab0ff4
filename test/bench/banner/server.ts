/**
 * The loopback banner server every tool probes, run as its own process so that its CPU is never
 * counted against a prober. Greets `220 ready`, answers each line (LF-terminated, CR optional)
 * with `250 ok`. Reports its port over IPC and exits when the parent goes away.
 */
import net from 'node:net';

const GREETING = Buffer.from('220 ready\r\n');
const REPLY = Buffer.from('250 ok\r\n');
/** A line longer than this without LF ends the connection: the server stays bounded. */
const MAX_LINE = 1024;
/** Far above any concurrency the bench drives; the kernel caps it at net.core.somaxconn. */
const BACKLOG = 65_535;

function serve(socket: net.Socket): void {
  let pending = 0;
  socket.on('error', () => {});
  socket.write(GREETING);
  socket.on('data', (chunk: Buffer) => {
    let from = 0;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, from)) {
      socket.write(REPLY);
      from = at + 1;
      pending = 0;
    }
    pending += chunk.length - from;
    if (pending > MAX_LINE) socket.destroy();
  });
}

const server = net.createServer({ noDelay: true }, serve);
server.listen({ host: '127.0.0.1', port: 0, backlog: BACKLOG }, () => {
  const { port } = server.address() as net.AddressInfo;
  process.send?.({ type: 'listening', port });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
