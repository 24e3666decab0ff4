import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createRecorder } from './recorder.js';

/** Debian's package (`apt-get install prometheus-alertmanager`, see .ci/run). */
export const ALERTMANAGER_BINARY = '/usr/bin/prometheus-alertmanager';

/** One route to a receiver that sends nowhere: nothing leaves the machine. */
const CONFIG = `route:
  receiver: 'null'
receivers:
  - name: 'null'
`;

export interface TestAlertmanager {
  /** `http://127.0.0.1:<port>`: the base URL a channel takes. */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * A real Alertmanager on 127.0.0.1 (a port it picks, read from its "Listening on" log line), with
 * a temporary config and storage directory, no clustering (`--cluster.listen-address=` turns
 * gossip off) and no receivers that reach out. `stop` ends it by its PID and removes the directory.
 */
export async function startAlertmanager(): Promise<TestAlertmanager> {
  if (!existsSync(ALERTMANAGER_BINARY)) {
    throw new Error(`${ALERTMANAGER_BINARY} is missing: apt-get install -y prometheus-alertmanager`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'portwarden-am-'));
  const config = join(dir, 'alertmanager.yml');
  await writeFile(config, CONFIG);
  const child = spawn(
    ALERTMANAGER_BINARY,
    [
      `--config.file=${config}`,
      `--storage.path=${join(dir, 'data')}`,
      '--web.listen-address=127.0.0.1:0',
      '--cluster.listen-address=',
      // Otherwise derived from the host name; only used in links.
      '--web.external-url=http://127.0.0.1/',
      '--log.level=info',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const lines = createRecorder<string>();
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const seen = await lines.until(
      (items) => items.some((line) => /msg="Listening on" address=127\.0\.0\.1:\d+/.test(line)),
      'Alertmanager listening',
      15_000,
    );
    const port = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(seen.join('\n'))![1];
    const url = `http://127.0.0.1:${port}`;
    await waitReady(url, child);
    return { url, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `/-/ready` answers 200 once the listener is up; a few quick tries cover the gap. */
async function waitReady(url: string, child: ChildProcess): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`Alertmanager exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.ok) return;
      last = response.status;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Alertmanager at ${url} not ready: ${String(last)}`);
}
