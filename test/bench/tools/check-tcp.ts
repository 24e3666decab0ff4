/** check_tcp from the monitoring plugins (Nagios, Icinga, Naemon): arguments and memory. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EXPECT_TEXT, SEND_TEXT, type Mode } from '../cell/protocol.js';

export const CHECK_TCP_CANDIDATES = [
  '/usr/lib/nagios/plugins/check_tcp',
  '/usr/lib/monitoring-plugins/check_tcp',
];
export const CHECK_TCP_INSTALL = 'apt-get install -y monitoring-plugins-basic';

/**
 * `-E` makes check_tcp decode `\r\n` in the send string (without it the backslashes go on the
 * wire as they are); `-e` then waits until a line of the reply starts with the text.
 */
export function checkTcpArgs(mode: Mode, target: { host: string; port: number }): string[] {
  const base = ['-H', target.host, '-p', String(target.port), '-t', '10'];
  return mode === 'connect' ? base : [...base, '-E', '-s', `${SEND_TEXT}\\r\\n`, '-e', EXPECT_TEXT];
}

/**
 * Peak RSS of one check_tcp run, KiB, from GNU time (getrusage of the child). N of them are alive
 * at once at concurrency N. Undefined without /usr/bin/time (Debian package `time`).
 */
export function oneRunPeakRssKiB(bin: string, args: string[]): number | undefined {
  if (!existsSync('/usr/bin/time')) return undefined;
  const run = spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', bin, ...args], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  const kib = Number(/maxrss=(\d+)/.exec(run.stderr ?? '')?.[1]);
  return Number.isFinite(kib) && kib > 0 ? kib : undefined;
}
