import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const AGENT = fileURLToPath(new URL('../../agent/bin/portwarden-agent.js', import.meta.url));

/** The real `portwarden-agent` binary in a child process, as a server would run it. */
export class AgentProcess {
  child: ChildProcess | undefined;
  private readonly exited: Promise<unknown>[] = [];

  constructor(
    private readonly args: { controller: string; name: string; stateDir: string; extra?: string[] },
  ) {}

  start(): this {
    const { controller, name, stateDir, extra = [] } = this.args;
    this.child = spawn(
      process.execPath,
      [AGENT, '--controller', controller, '--name', name, '--state-dir', stateDir, '--insecure', ...extra],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LOG_LEVEL: process.env.PORTWARDEN_TEST_LOG ?? 'warn' },
      },
    );
    this.child.stderr?.on('data', (chunk: Buffer) => {
      if (process.env.PORTWARDEN_TEST_LOG) process.stderr.write(chunk);
    });
    this.exited.push(once(this.child, 'exit'));
    return this;
  }

  /** SIGKILL: no chance to flush or say goodbye. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited.at(-1);
  }

  /** SIGTERM: the agent stops cleanly; resolves with its exit code. */
  async stop(): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null) return this.child?.exitCode ?? null;
    this.child.kill('SIGTERM');
    const [code] = (await this.exited.at(-1)) as [number | null];
    return code;
  }
}
