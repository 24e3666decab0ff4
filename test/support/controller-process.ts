import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TEST_REDIS_URL } from '@portwarden/controller/testing';

/**
 * The flags the replicas of one test share: one database, one Redis key prefix, one admin token
 * (replicas find each other through PostgreSQL, never through a list of peers).
 */
export function replicaArgs(databaseUrl: string, redisPrefix: string, adminTokenFile: string): string[] {
  return [
    '--database-url',
    databaseUrl,
    '--redis-url',
    TEST_REDIS_URL,
    '--redis-prefix',
    redisPrefix,
    '--admin-token-file',
    adminTokenFile,
  ];
}

const CONTROLLER = fileURLToPath(new URL('../../controller/bin/portwarden-controller.js', import.meta.url));

/** What the controller said when it started: where it listens. */
export interface ControllerAddresses {
  grpcAddress: string;
  httpUrl: string;
}

/**
 * The real `portwarden-controller` binary in a child process, as one replica of several runs.
 * Its JSON log lines tell the test where it listens and which agents' streams it holds.
 */
export class ControllerProcess {
  child: ChildProcess | undefined;
  /** Agents whose stream is open on this replica, from its "agent connected/disconnected" lines. */
  readonly agents = new Set<string>();
  private exited: Promise<unknown> | undefined;

  constructor(private readonly args: string[]) {}

  /** Starts it; resolves once it logged "controller started", with its addresses. */
  start(): Promise<ControllerAddresses> {
    const child = spawn(
      process.execPath,
      [
        CONTROLLER,
        '--grpc-listen',
        '127.0.0.1:0',
        '--http-listen',
        '127.0.0.1:0',
        '--insecure',
        ...this.args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } },
    );
    this.child = child;
    this.exited = once(child, 'exit');
    child.stderr?.on('data', (chunk: Buffer) => {
      if (process.env.PORTWARDEN_TEST_LOG) process.stderr.write(chunk);
    });
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`controller exited with ${code} before it started`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (process.env.PORTWARDEN_TEST_LOG) process.stderr.write(`${line}\n`);
        let entry: { msg?: string; agent?: string } & Partial<ControllerAddresses>;
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          return;
        }
        if (entry.msg === 'controller started' && entry.grpcAddress && entry.httpUrl)
          resolve({ grpcAddress: entry.grpcAddress, httpUrl: entry.httpUrl });
        if (entry.msg === 'agent connected' && entry.agent) this.agents.add(entry.agent);
        if (entry.msg === 'agent disconnected' && entry.agent) this.agents.delete(entry.agent);
      });
    });
  }

  /** SIGKILL: the replica vanishes mid-flight. */
  async kill(): Promise<void> {
    if (this.child?.exitCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, and its exit. */
  async stop(): Promise<void> {
    if (this.child?.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}
