/** zabbix_agentd in the foreground on a free loopback port, answering passive checks; no server needed. */
import net from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Mode } from '../cell/protocol.js';
import { freePort } from '../ports.js';
import { startService, type Service } from './service.js';

export const ZABBIX_CANDIDATES = ['/usr/sbin/zabbix_agentd', 'zabbix_agentd'];
export const ZABBIX_INSTALL = 'apt-get install -y zabbix-agent';
/** StartAgents allows at most 100 listener processes, each serving one request at a time. */
export const ZABBIX_MAX_LISTENERS = 100;
/** ListenPort must be in 1024-32767. */
const PORT_RANGE = [20_000, 32_000] as const;

/**
 * `tcp` connects and closes. Zabbix has no free-form send/expect; its nearest is `smtp`: read the
 * greeting, expect `220`, send `QUIT`.
 */
export function zabbixItemKey(mode: Mode, target: { host: string; port: number }): string {
  return `net.tcp.service[${mode === 'connect' ? 'tcp' : 'smtp'},${target.host},${target.port}]`;
}

/** A passive-check request: `ZBXD`, flags 0x01, data length (uint32 LE), reserved (uint32), data. */
export function zabbixRequest(key: string): Buffer {
  const body = Buffer.from(key);
  const header = Buffer.alloc(13);
  header.write('ZBXD\x01', 'latin1');
  header.writeUInt32LE(body.length, 5);
  return Buffer.concat([header, body]);
}

/** The value in a passive-check answer (after the 13-byte header). */
export function zabbixValue(answer: Buffer): string {
  return answer.subarray(13).toString('latin1');
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(zabbixRequest('agent.ping')));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(zabbixValue(Buffer.concat(chunks)) === '1'));
    socket.setTimeout(2_000, () => socket.destroy());
  });
}

export async function startZabbix(bin: string, workDir: string, listeners: number): Promise<Service> {
  const port = await freePort(PORT_RANGE);
  const configFile = path.join(workDir, 'zabbix_agentd.conf');
  await writeFile(
    configFile,
    [
      'LogType=console',
      `PidFile=${path.join(workDir, 'zabbix_agentd.pid')}`,
      'Server=127.0.0.1',
      'ListenIP=127.0.0.1',
      `ListenPort=${port}`,
      `StartAgents=${Math.min(listeners, ZABBIX_MAX_LISTENERS)}`,
      'ServerActive=',
      'Hostname=portwarden-bench',
      'AllowRoot=1',
      'Timeout=10',
      '',
    ].join('\n'),
  );
  return startService({
    name: 'zabbix_agentd',
    bin,
    args: ['-f', '-c', configFile],
    port,
    ready: () => ping(port),
  });
}
