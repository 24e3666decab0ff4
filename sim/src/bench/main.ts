#!/usr/bin/env node
/**
 * `npm run bench:controller`: PostgreSQL's own write rates (the baseline), then each scenario of
 * issue 13 against a fresh controller process, written into BENCHMARKS.md as a section of its own.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { PortwardenError } from '@portwarden/common/errors';
import { ControllerProcess } from '../control/controller-process.js';
import { createScratchDatabase } from '../control/database.js';
import { defaultRampMs, durationFlag } from '../options.js';
import { formatReport } from '../report.js';
import { runSim } from '../run.js';
import { measurePgBaseline } from './baseline.js';
import { benchSection, replaceSection, type BenchRow } from './markdown.js';
import { judge, SCENARIOS } from './scenarios.js';

const REDIS_URL = process.env.PORTWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BENCHMARKS_MD = fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url));

interface Flags {
  only?: string;
  duration: string;
  warmup: string;
  baselineSeconds: string;
  ramp?: string;
  write: boolean;
}

const program = new Command('bench:controller')
  .option('--only <names>', `scenarios to run, comma-separated: ${SCENARIOS.map((s) => s.name).join(', ')}`)
  .option('--duration <duration>', 'measured window of each scenario', '60s')
  .option('--warmup <duration>', 'warm-up of each scenario, after every agent has its config', '15s')
  .option(
    '--baseline-seconds <n>',
    "seconds of multi-row INSERTs for PostgreSQL's baseline (0 skips it)",
    '5',
  )
  .option(
    '--ramp <duration>',
    'hellos of each scenario spread over this long (default: 1 ms per agent, 1 s to 30 s)',
  )
  .option('--no-write', 'print the section, leave BENCHMARKS.md as it is')
  .exitOverride();

function log(line: string): void {
  process.stderr.write(`bench:controller: ${line}\n`);
}

async function main(flags: Flags, argv: string[]): Promise<void> {
  const only = flags.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0)
    throw new PortwardenError(
      'config',
      `unknown scenario ${unknown.join(', ')}`,
      `choose from ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  const durationMs = durationFlag(flags.duration, '--duration');
  const warmupMs = durationFlag(flags.warmup, '--warmup');
  const loadStart = loadavg()[0]!;

  const baselineSeconds = Number(flags.baselineSeconds);
  let baseline;
  if (baselineSeconds > 0) {
    const db = await createScratchDatabase('pw_bench_pg');
    try {
      log('PostgreSQL baseline: multi-row INSERT, then COPY');
      baseline = await measurePgBaseline(db.url, baselineSeconds);
      log(
        `INSERT ${Math.round(baseline.insertRowsPerSecond)} rows/s, COPY ${Math.round(baseline.copyRowsPerSecond)} rows/s`,
      );
    } finally {
      await db.drop();
    }
  }

  const rows: BenchRow[] = [];
  let sustainable: number | undefined;
  for (const scenario of SCENARIOS) {
    if (only && !only.includes(scenario.name)) continue;
    log(`${scenario.name}: ${scenario.title}`);
    const db = await createScratchDatabase('pw_bench_ctl');
    const redisPrefix = `pw-bench-${randomBytes(4).toString('hex')}`;
    const controller = new ControllerProcess({
      databaseUrl: db.url,
      redisUrl: REDIS_URL,
      redisPrefix,
      maxStreamsPerIp: scenario.agents + 1000,
      onProblem: (line) => log(`controller: ${line.slice(0, 400)}`),
    });
    try {
      await controller.start();
      const report = await runSim({
        controller: controller.grpcAddress,
        api: controller.httpUrl,
        adminToken: controller.adminToken,
        agents: scenario.agents,
        checks: scenario.checks,
        intervalMs: scenario.intervalMs,
        failureRate: scenario.failureRate,
        failuresBeforeAlert: 1,
        seed: 1,
        agentsPerConnection: 50,
        rampMs: flags.ramp ? durationFlag(flags.ramp, '--ramp') : defaultRampMs(scenario.agents),
        warmupMs,
        durationMs,
        drainMs: 15_000,
        controllerPid: controller.pid,
        databaseUrl: db.url,
        namePrefix: `bench-${scenario.name}`,
        log: (line) => log(`${scenario.name}: ${line}`),
      });
      if (scenario.name === 'steady-25k') sustainable = report.ackedPerSecond;
      const verdict = judge(scenario.name, report, sustainable);
      rows.push({ scenario, report, verdict });
      process.stdout.write(
        `\n${scenario.title}\n${formatReport(report)}\ngoal met: ${verdict.met ? 'yes' : `no: ${verdict.misses.join('; ')}`}\n`,
      );
    } catch (err) {
      const error = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      log(`${scenario.name} failed: ${error}`);
      rows.push({ scenario, error });
    } finally {
      await controller.stop();
      await db.drop();
      await deleteRedisPrefix(redisPrefix);
    }
  }

  const section = benchSection({
    command: ['npm run bench:controller', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
    date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    commit: gitCommit(),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL and Redis on the same machine`,
    load: { start: loadStart, end: loadavg()[0]!, cores: cpus().length },
    windowSeconds: durationMs / 1000,
    warmupSeconds: warmupMs / 1000,
    ...(baseline && { baseline }),
    rows,
  });
  process.stdout.write(`\n${section}\n`);
  if (flags.write) {
    await writeFile(BENCHMARKS_MD, replaceSection(await readFile(BENCHMARKS_MD, 'utf8'), section));
    log(`written to ${BENCHMARKS_MD}`);
  }
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch (err) {
    log(`could not remove Redis keys ${prefix}*: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

const argv = process.argv.slice(2);
Promise.resolve()
  .then(() => main(program.parse().opts<Flags>(), argv))
  .then(
    () => process.exit(0),
    (err: unknown) => {
      if (err instanceof Error && (err as { code?: string }).code?.startsWith('commander.'))
        process.exit((err as { exitCode?: number }).exitCode === 0 ? 0 : 2);
      const hint = err instanceof PortwardenError && err.hint ? `\n  hint: ${err.hint}` : '';
      process.stderr.write(`bench:controller: ${err instanceof Error ? err.message : String(err)}${hint}\n`);
      process.exit(1);
    },
  );
