import { percentile, type AckStretch, type Integrity } from './measure.js';

/** One replica fault: its agents, when they were configured again, and the acks meanwhile. */
export interface FaultFigures {
  /** Agents whose stream was on the replica. */
  victims: number;
  /** Per agent whose stream ended: fault → config on its next stream, ms. */
  back: number[];
  /** Agents without a config when the bench gave up (0 when all came back). */
  notBack: number;
  /** Hello → config of those reconnects alone, ms. */
  reconnectHelloToConfig: number[];
  /** From the fault until the fleet settled (every agent back, then a window). */
  acks: AckStretch;
}

export interface FaultsReport {
  agents: number;
  checks: number;
  intervalMs: number;
  perConnection: number;
  cpus: number;
  /** Load average (1 min) at the start and at the end. */
  load: [number, number];
  /** Hello → config per agent when the fleet first connected, ms. */
  firstConnect: number[];
  baseline: AckStretch;
  kill: FaultFigures;
  /** `exitCode` 0: a clean stop; 1: an unclean one, or its deadline. */
  term: FaultFigures & { exitMs: number; exitCode: number };
  /** SIGTERM → exit of the last replica, fleet gone. */
  idleExitMs: number;
  pgMode: 'fast' | 'immediate';
  pg: { acks: AckStretch; pgReadyMs: number; resumed: boolean; resumedMs: number; notBack: number };
  drained: boolean;
  offered: number;
  acked: number;
  integrity: Integrity;
  unreachable: number;
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const n = (x: number) => Math.round(x).toLocaleString('en-US');
const spread = (ms: number[]) =>
  ms.length === 0 ? '–' : `${s(percentile(ms, 50))} / ${s(percentile(ms, 99))} / ${s(Math.max(...ms))}`;
const yes = (ok: boolean, why: string) => (ok ? 'yes' : `no: ${why}`);

function replicaRows(what: string, fault: FaultFigures, goalMs: number, r: FaultsReport): string[] {
  const last = Math.max(0, ...fault.back);
  const allBack = fault.notBack === 0 && fault.back.length >= fault.victims;
  return [
    `| ${what}: its ${n(fault.victims)} agents configured again on the others, p50 / p99 / max s | first connect of the same fleet, hello → config: ${spread(r.firstConnect)} | ${spread(fault.back)} (their hello → config ${spread(fault.reconnectHelloToConfig)}) | ≤ ${goalMs / 1000} s | ${yes(allBack && last <= goalMs, allBack ? `${s(last)} s` : `${fault.notBack} agents never came back`)} |`,
    `| ${what}: acks from the fault until settled: acked/s, longest pause | ${n(r.baseline.perSecond)}/s, pause ${s(r.baseline.longestPauseMs)} s | ${n(fault.acks.perSecond)}/s, pause ${s(fault.acks.longestPauseMs)} s, ${n(fault.acks.streamEnds)} streams ended | – | – |`,
  ];
}

/** The markdown table (stdout), each figure beside its baseline from the same run. */
export function printReport(r: FaultsReport): void {
  const i = r.integrity;
  const nominal = (r.agents * r.checks * 1000) / r.intervalMs;
  const lines = [
    `${n(r.agents)} agents × ${r.checks} checks / ${r.intervalMs / 1000} s (${n(nominal)} results/s offered), ${r.perConnection} agents per HTTP/2 connection, 3 replicas behind HAProxy, ${r.cpus} CPUs, load average ${r.load[0].toFixed(2)} at the start, ${r.load[1].toFixed(2)} at the end`,
    '',
    '| fault: figure | baseline (same run) | measured | goal | met |',
    '| --- | --- | --- | --- | --- |',
    ...replicaRows('kill -9 replica 1 of 3', r.kill, 30_000, r),
    `| SIGTERM replica 2 of 3: signal → exit, s | SIGTERM to the last replica with no agents, at the end: ${s(r.idleExitMs)} | ${s(r.term.exitMs)}, exit code ${r.term.exitCode} | ≤ 10 s, clean (0) | ${yes(r.term.exitMs <= 10_000 && r.term.exitCode === 0, `${s(r.term.exitMs)} s, exit code ${r.term.exitCode}`)} |`,
    ...replicaRows('SIGTERM replica 2 of 3', r.term, 30_000, r),
    `| PostgreSQL restart (\`pg_ctl restart -m ${r.pgMode}\`): longest ack pause, s | longest pause before the faults: ${s(r.baseline.longestPauseMs)} | ${s(r.pg.acks.longestPauseMs)} (PostgreSQL ready after ${s(r.pg.pgReadyMs)}, first ack after ${s(r.pg.resumedMs)}) | acks pause and resume | ${yes(r.pg.resumed && r.pg.notBack === 0, r.pg.resumed ? `${r.pg.notBack} agents without a config` : 'acks never resumed')} |`,
    `| PostgreSQL restart: acks from the restart until settled | ${n(r.baseline.perSecond)}/s | ${n(r.pg.acks.perSecond)}/s, ${n(r.pg.acks.streamEnds)} streams ended | – | – |`,
    `| whole run: results produced / acknowledged / rows in \`results\` | the fleet's seqs: ${n(i.offered)} | ${n(r.acked)} acknowledged${r.drained ? '' : ' (drain incomplete)'}, ${n(i.rows)} rows | all, once | ${yes(r.drained && i.missing === 0 && i.doubled === 0 && i.unknown === 0, `${i.missing} missing, ${i.doubled} doubled, ${i.unknown} unknown`)} |`,
    `| whole run: missing / doubled / seqs never produced | 0 / 0 / 0 | ${n(i.missing)} / ${n(i.doubled)} / ${n(i.unknown)}${i.agentsWrong.length ? ` (${i.agentsWrong.length} agents, e.g. ${i.agentsWrong.slice(0, 3).join(', ')})` : ''} | 0 / 0 / 0 | ${yes(i.missing + i.doubled + i.unknown === 0, 'see the counts')} |`,
    `| whole run: "agent unreachable" incidents | 0 (no agent ever stopped) | ${r.unreachable} | 0 | ${yes(r.unreachable === 0, `${r.unreachable} false`)} |`,
  ];
  console.log(lines.join('\n'));
}
