/** The Markdown printed at the end of `npm run bench:history` and pasted into BENCHMARKS.md. */
import type { Latency } from './measure.js';

export interface Table {
  rows: number;
  /** results with its indexes, every partition. */
  bytes: number;
  buildSeconds: number;
  latency: Record<'board' | 'agentHistory' | 'checkHistory' | 'checkHistorySmall', Latency>;
}

export interface HistoryReport {
  command: string;
  date: string;
  commit: string;
  machine: string;
  postgres: string;
  load: { start: number; end: number };
  agents: number;
  checks: number;
  perPair: number;
  samples: number;
  limit: number;
  smallLimit: number;
  baseline: Table;
  large: Table;
}

const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));
const count = (n: number) => n.toLocaleString('en-US');
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

export function formatHistoryReport(r: HistoryReport): string {
  const what = {
    board: 'status board: `GET /api/v1/checks` (`checkStates`, check_state ⨝ agents)',
    agentHistory: `a check's 24 h history on one agent: \`GET /api/v1/results?check=C&agent=A&hours=24&limit=${r.limit}\``,
    checkHistory: `a check's 24 h history on every agent (the check page): \`GET /api/v1/results?check=C&hours=24&limit=${r.limit}\``,
    checkHistorySmall: `the same with \`limit=${r.smallLimit}\`: an answer the size of the baseline's`,
  } as const;
  const rows = (Object.keys(what) as (keyof typeof what)[]).map((key) => {
    const [b, l] = [r.baseline.latency[key], r.large.latency[key]];
    return `| ${what[key]} | ${count(b.rows)} | ${ms(b.p50)} | ${ms(b.p99)} | ${count(l.rows)} | ${ms(l.p50)} | ${ms(l.p99)} | × ${(l.p50 / b.p50).toFixed(2)} / × ${(l.p99 / b.p99).toFixed(2)} |`;
  });
  return [
    `Recorded on ${r.date}, commit ${r.commit}, with \`${r.command}\`: ${r.machine}, ${r.postgres},`,
    `load average ${r.load.start.toFixed(2)} at the start and ${r.load.end.toFixed(2)} at the end. ${r.agents} agents × ${r.checks} checks on the board,`,
    `each (agent, check) probed ${count(r.perPair)} times over 30 days; ${count(r.samples)} samples per query and table, taken in turns.`,
    '',
    '| | baseline | large |',
    '| --- | ---: | ---: |',
    `| result rows | ${count(r.baseline.rows)} (agent-0000 only) | ${count(r.large.rows)} (every agent) |`,
    `| results on disk, indexes included | ${gib(r.baseline.bytes)} | ${gib(r.large.bytes)} |`,
    `| built in (rows, indexes, VACUUM ANALYZE) | ${r.baseline.buildSeconds.toFixed(0)} s | ${r.large.buildSeconds.toFixed(0)} s |`,
    '',
    '| query | baseline rows returned | baseline p50 ms | baseline p99 ms | large rows returned | large p50 ms | large p99 ms | large ÷ baseline, p50 / p99 |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n');
}
