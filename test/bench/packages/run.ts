/**
 * `npm run bench:packages`: issue 10's packages. Sizes and build times of portwarden-agent.exe, its
 * MSI and the .deb, then the agents at rest (under Wine and on Linux), each figure beside a
 * baseline measured in the same run. Never part of `npm test`. Needs Wine, dpkg-deb and PostgreSQL
 * (PORTWARDEN_TEST_PG_URL); the only knob: BENCH_IDLE_SECONDS (default 60, 0 skips the idle part).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createWinePrefix,
  killWineServer,
  requireWine,
  type WinePrefix,
} from '@portwarden/deploy/package/wine';
import { buildPackages } from './build.js';
import { CHECK_INTERVAL, measureIdle, type IdleResults } from './idle.js';
import { formatPackagesReport } from './report.js';

const log = (text: string) => process.stderr.write(`[bench:packages] ${text}\n`);

function idleSeconds(env: NodeJS.ProcessEnv): number {
  const text = env.BENCH_IDLE_SECONDS ?? '';
  if (text === '') return 60;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 3600)
    throw new Error(`BENCH_IDLE_SECONDS=${text}: expected whole seconds from 0 to 3600`);
  return value;
}

function output(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function command(): string {
  const settings = process.env.BENCH_IDLE_SECONDS
    ? [`BENCH_IDLE_SECONDS=${process.env.BENCH_IDLE_SECONDS}`]
    : [];
  return [...settings, 'npm run bench:packages'].join(' ');
}

async function main(): Promise<void> {
  const seconds = idleSeconds(process.env);
  const loadAtStart = os.loadavg()[0]!;
  requireWine();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pw-bench-packages-'));
  let prefix: WinePrefix | undefined;
  try {
    log(`work dir ${dir}; making a Wine prefix of its own`);
    prefix = await createWinePrefix(path.join(dir, 'wineprefix'));
    log('building portwarden-agent.exe + MSI and the .deb');
    const built = await buildPackages(dir, prefix);
    let idle: IdleResults | string = 'skipped (BENCH_IDLE_SECONDS=0)';
    if (seconds > 0) {
      try {
        idle = await measureIdle(built, prefix, dir, seconds);
      } catch (err) {
        log(`idle part failed: ${(err as Error).message}`);
        idle = `failed: ${(err as Error).message.split('\n')[0]}`;
      }
    }
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    process.stdout.write(
      formatPackagesReport({
        command: command(),
        date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
        commit: output('git', ['rev-parse', '--short', 'HEAD']) || 'unknown',
        uncommitted: output('git', ['status', '--porcelain']).split('\n').filter(Boolean).length,
        machine: `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}`,
        nodeVersion: process.version,
        wineVersion: output('wine', ['--version']) || 'wine',
        checkInterval: CHECK_INTERVAL,
        load: { start: loadAtStart, end: os.loadavg()[0]! },
        built,
        idle,
      }),
    );
  } finally {
    if (prefix) await killWineServer(prefix);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:packages failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
