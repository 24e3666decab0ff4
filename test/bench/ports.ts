import net from 'node:net';

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A loopback port free right now, for a tool that must be told its port. With a range (zabbix_agentd
 * accepts only 1024-32767), random ports in it are tried, at most 50.
 */
export async function freePort(range?: readonly [number, number]): Promise<number> {
  if (!range) {
    const port = await tryListen(0);
    if (port) return port;
  }
  const [low, high] = range ?? [20_000, 32_000];
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await tryListen(low + Math.floor(Math.random() * (high - low)));
    if (port) return port;
  }
  throw new Error(`no free loopback port in ${low}-${high}`);
}
