import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort } from '../../support/haproxy.js';

const run = promisify(execFile);
const BIN = process.env.BENCH_FAULTS_PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** PostgreSQL refuses to run as root; as root the cluster belongs to Debian's `postgres` user. */
const AS_ROOT = process.getuid?.() === 0;
const OWNER = 'postgres';

/**
 * A PostgreSQL cluster of the bench's own (initdb into a temporary directory, loopback only, its
 * socket in that directory): the faults bench restarts it under load, which it must never do to
 * the machine's shared server on 5432. `remove()` stops it and deletes every file.
 */
export class PrivateCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  private get data(): string {
    return join(this.dir, 'data');
  }

  static async create(): Promise<PrivateCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'pw-faults-pg-'));
    if (AS_ROOT) {
      const { stdout } = await run('id', ['-u', OWNER]);
      const { stdout: gid } = await run('id', ['-g', OWNER]);
      await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const cluster = new PrivateCluster(dir, await freePort());
    try {
      await cluster.pg('initdb', [
        '-D',
        cluster.data,
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--no-instructions',
      ]);
      await cluster.ctl(['start']);
    } catch (err) {
      await cluster.remove();
      throw err;
    }
    return cluster;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    const sql = postgres(this.url(), { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(`CREATE DATABASE "${name}"`);
    } finally {
      await sql.end({ timeout: 5 });
    }
    return this.url(name);
  }

  /**
   * `pg_ctl restart -m MODE`, waiting until the server accepts connections again: `fast`
   * disconnects every session and shuts down cleanly, `immediate` is a crash (recovery at start).
   */
  async restart(mode: 'fast' | 'immediate'): Promise<void> {
    await this.ctl(['restart', '-m', mode]);
  }

  async remove(): Promise<void> {
    await this.ctl(['stop', '-m', 'immediate']).catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }

  private ctl(args: string[]): Promise<unknown> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
    // -l: the server's output goes to a file; on a pipe pg_ctl's child would hold it open.
    return this.pg('pg_ctl', [
      '-D',
      this.data,
      '-w',
      '-t',
      '60',
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      options,
      ...args,
    ]);
  }

  private async pg(program: string, args: string[]): Promise<void> {
    const [file, argv] = AS_ROOT
      ? ['runuser', ['-u', OWNER, '--', join(BIN, program), ...args]]
      : [join(BIN, program), args];
    try {
      await run(file, argv, { cwd: this.dir });
    } catch (err) {
      const { stderr } = err as { stderr?: string };
      throw new Error(
        `${program} ${args[0] ?? ''} failed: ${(stderr ?? String(err)).trim().split('\n').at(-1)} (hint: PostgreSQL 15's binaries in ${BIN}, or set BENCH_FAULTS_PG_BIN; server log in ${this.dir}/server.log)`,
      );
    }
  }
}
