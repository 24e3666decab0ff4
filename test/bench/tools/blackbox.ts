/** Prometheus blackbox_exporter, started by the bench on a free loopback port with its own config. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXPECT_TEXT, SEND_TEXT, type Mode } from '../cell/protocol.js';
import { freePort } from '../ports.js';
import { startService, type Service } from './service.js';

export const BLACKBOX_CANDIDATES = ['/usr/bin/prometheus-blackbox-exporter', 'blackbox_exporter'];
export const BLACKBOX_INSTALL = 'apt-get install -y prometheus-blackbox-exporter';

export function blackboxModule(mode: Mode): string {
  return mode === 'connect' ? 'tcp_connect' : 'helo_expect';
}

/**
 * `send` gets a `\n` appended by the exporter, so `\r` in the YAML makes the line end in CR/LF.
 * `expect` is a regular expression tried on each line read, greeting included.
 */
const CONFIG = `modules:
  tcp_connect:
    prober: tcp
    timeout: 10s
  helo_expect:
    prober: tcp
    timeout: 10s
    tcp:
      query_response:
        - send: "${SEND_TEXT}\\r"
        - expect: "${EXPECT_TEXT}"
`;

export async function startBlackbox(bin: string, workDir: string): Promise<Service> {
  const configFile = path.join(workDir, 'blackbox.yml');
  await writeFile(configFile, CONFIG);
  const port = await freePort();
  return startService({
    name: 'blackbox_exporter',
    bin,
    args: [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`],
    port,
    ready: async () => (await fetch(`http://127.0.0.1:${port}/-/healthy`)).ok,
  });
}
