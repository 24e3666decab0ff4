import { WINDOW } from '../agents/flow.js';
import type { SimReport } from '../report.js';
import type { PgBaseline } from './baseline.js';
import type { Scenario, Verdict } from './scenarios.js';

export const SECTION_START =
  '<!-- bench:controller:start (written by `npm run bench:controller`; replaced on each run) -->';
export const SECTION_END = '<!-- bench:controller:end -->';

/** `document` with the section between the markers replaced by `section`, or appended if it has none. */
export function replaceSection(document: string, section: string): string {
  const block = `${SECTION_START}\n${section.trim()}\n${SECTION_END}`;
  const start = document.indexOf(SECTION_START);
  const end = document.indexOf(SECTION_END);
  if (start === -1 || end === -1 || end < start) return `${document.trimEnd()}\n\n${block}\n`;
  return document.slice(0, start) + block + document.slice(end + SECTION_END.length);
}

export interface BenchRow {
  scenario: Scenario;
  report?: SimReport;
  verdict?: Verdict;
  /** Why the row has no figures (the run failed). */
  error?: string;
}

export interface BenchRun {
  command: string;
  date: string;
  commit: string;
  machine: string;
  /** What else ran: the 1-minute load average at the start and the end, and the machine's cores. */
  load: { start: number; end: number; cores: number };
  windowSeconds: number;
  warmupSeconds: number;
  baseline?: PgBaseline;
  rows: BenchRow[];
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number | null | undefined) => (n == null ? '–' : n < 10 ? n.toFixed(1) : int(n));

export function benchSection(run: BenchRun): string {
  const lines = [
    '## Controller at fleet scale (issue 13)',
    '',
    'Simulated agents (`portwarden-sim`, [sim/](sim/)) speaking the real agent contract over plaintext gRPC to',
    'an `--insecure` controller (`node controller/dist/main.js`, its own database and Redis prefix,',
    'one fresh controller per row), one result per message as each probe finishes, probes spread',
    `evenly over the interval, heartbeats every 10 s, at most ${WINDOW} results messages unacknowledged per`,
    'stream (what finishes meanwhile goes out batched, ≤ 500 per message, when an ack frees the',
    'window), 50 agents per HTTP/2 connection. Never part of `npm test`.',
    '',
    '```sh',
    'npm run bench:controller                                  # about 15 minutes: every row',
    'npm run bench:controller -- --only steady-25k --duration 30s',
    '```',
    '',
    `Recorded on ${run.date}, commit ${run.commit}, with \`${run.command}\`: ${run.machine}; load average ${run.load.start.toFixed(2)} at the start, ${run.load.end.toFixed(2)} at the end.`,
    ...busyNote(run.load),
    `Each row: ${run.warmupSeconds} s of warm-up after every agent has its config, then a ${run.windowSeconds} s window.`,
    '',
    '- offered / acked: results/s produced by the fleet and acknowledged by the controller in the window;',
    '  res/msg: acked results per acked message (1 in steady state; more when agents batch under back-pressure).',
    '- ack p50/p99: a results message written → the ack covering its last seq.',
    '- controller CPU (% of one core, /proc/PID/stat) and RSS (max over the window, /proc/PID/status);',
    '  PostgreSQL CPU: every `postgres` process of the machine (backends that exited during the window',
    '  are missing, so it is a lower bound).',
    "- commits/result: `xact_commit` of the controller's database (pg_stat_database) ÷ acked results;",
    '  commits/heartbeat: commits beyond one per acked results message, per heartbeat.',
    '- notifications: a failing result made in the window that crosses the threshold',
    "  (`failuresBeforeAlert: 1`) → its `firing` webhook at the sim's receiver, like the acks; in",
    '  brackets the firings of the whole run and their p99, hellos and warm-up included. Every firing',
    '  and resolved webhook of the run is matched to the result that caused it (agent, check id;',
    '  doubled: an incident id and status twice; missing: the result was acknowledged and no webhook',
    '  came by the end of a 15 s drain).',
    "- sim CPU and its event-loop delay: the simulator's own cost and lateness (part of every latency",
    '  it measures); all of it runs on the same machine as the controller and PostgreSQL.',
    '',
  ];
  if (run.baseline) {
    const b = run.baseline;
    lines.push(
      '### Baseline: PostgreSQL alone, same run',
      '',
      'A table shaped as `results` (primary key and index as migration 0001, no foreign key), synchronous commit as the server has it:',
      '',
      '| write | rows | rows/s |',
      '| --- | ---: | ---: |',
      `| multi-row INSERT, 1,000 rows per statement | ${int(b.insertRows)} | ${int(b.insertRowsPerSecond)} |`,
      `| \`COPY … FROM STDIN\` | ${int(b.copyRows)} | ${int(b.copyRowsPerSecond)} |`,
      '',
    );
  }
  lines.push(
    '### Results',
    '',
    '| scenario | offered/s | acked/s | res/msg | ack p50 / p99 ms | controller CPU / RSS | PostgreSQL CPU | commits/result | commits/heartbeat | notifications p50 / p99 ms | doubled / missing | false unreachable | sim CPU / loop delay p99 | goal | met |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  );
  for (const row of run.rows) {
    const r = row.report;
    if (!r) {
      lines.push(
        `| ${row.scenario.title} | – | – | – | – | – | – | – | – | – | – | – | – | ${row.scenario.goalText} | no: ${row.error ?? 'not run'} |`,
      );
      continue;
    }
    const n = r.notifications;
    const notes = n && n.expected > 0;
    lines.push(
      [
        '',
        row.scenario.title,
        int(r.offeredPerSecond),
        int(r.ackedPerSecond),
        r.resultsPerMessage?.toFixed(2) ?? '–',
        `${ms(r.ackLatencyMs.p50)} / ${ms(r.ackLatencyMs.p99)}`,
        r.controller ? `${r.controller.cpuPercent.toFixed(0)}% / ${int(r.controller.rssMaxMiB)} MiB` : '–',
        r.postgres ? `${r.postgres.cpuPercent.toFixed(0)}%` : '–',
        r.commitsPerResult?.toFixed(3) ?? '–',
        r.commitsPerHeartbeat?.toFixed(2) ?? '–',
        notes
          ? `${ms(n.firingLatency.p50)} / ${ms(n.firingLatency.p99)} (run: ${n.firingLatencyRun.count}, p99 ${ms(n.firingLatencyRun.p99)})`
          : '–',
        notes ? `${n.doubled} / ${n.missing}` : '–',
        String(r.unreachableIncidents ?? '–'),
        `${r.simCpuPercent.toFixed(0)}% / ${ms(r.simLoopDelayMs?.p99)} ms`,
        row.scenario.goalText,
        row.verdict?.met ? 'yes' : `no: ${row.verdict?.misses.join('; ') ?? '?'}`,
        '',
      ]
        .join(' | ')
        .trim(),
    );
  }
  return lines.join('\n');
}

/**
 * A load average above the core count means other work shared the cores with the controller,
 * PostgreSQL and the sim: every figure of the run is then low, and the table says so.
 */
export function busyNote(load: { start: number; end: number; cores: number }): string[] {
  if (Math.max(load.start, load.end) <= load.cores) return [];
  return [
    '',
    `**The machine was busy**: a load average above its ${load.cores} cores means other processes took CPU`,
    'time from the controller, PostgreSQL and the sim throughout; rates are low and latencies high for that',
    'reason, and the row is no measure of the controller alone. Run it again on a quiet machine.',
    '',
  ];
}
