/** The parent's handle on the banner server child process. */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { DIST_DIR } from '../paths.js';

export interface BannerServer {
  host: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startBannerServer(): Promise<BannerServer> {
  const child = fork(path.join(DIST_DIR, 'banner/server.js'), [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  try {
    const [message] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(([code]) =>
        Promise.reject(new Error(`banner server exited (${code}) before listening`)),
      ),
    ])) as [{ port: number }];
    return {
      host: '127.0.0.1',
      port: message.port,
      pid: child.pid!,
      async stop() {
        if (child.exitCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      },
    };
  } finally {
    clearTimeout(timer);
  }
}
