/** Turns the rows into the text printed at the end of a run and pasted into BENCHMARKS.md. */
import type { BuildInfo } from './build-info.js';
import type { Mode } from './cell/protocol.js';
import { IDLE_GOALS, mark, RATE_GOALS, REFERENCE, ZABBIX_REFERENCE_CPU_MS } from './goals.js';
import type { Machine, ToolInfo } from './machine.js';
import type { IdleResult } from './idle/agent-idle.js';
import type { BenchOptions } from './options.js';
import type { Row } from './suite.js';

export interface Report {
  command: string;
  options: BenchOptions;
  machine: Machine;
  build: BuildInfo;
  /** The built probe changed between the start and the end of the run. */
  rebuilt: boolean;
  rows: Row[];
  /** The measurement, or why there is none. */
  idle?: IdleResult | string;
  /** Tools asked for but not installed. */
  missing: ToolInfo[];
  /** os.loadavg()[0] when the run started and ended. */
  load: { start: number; end: number };
}

const LEGEND = [
  '- probes/s: probes completed ÷ measured seconds, with N probes always in flight. With several rounds, ' +
    "the row is the cell's median round, the slowest and fastest rounds in brackets.",
  "- CPU ms/probe: the tool's own CPU (user + system). Portwarden and the bare loop: the prober process " +
    '(getrusage). check_tcp: the check_tcp processes (their rusage, from the `times` of the bash workers that ' +
    'started them). blackbox_exporter and zabbix_agentd: all their processes and threads (scheduler run time, ' +
    '/proc/PID/task/TID/schedstat).',
  '- peak RSS MiB: VmHWM of the prober process; for check_tcp, one check_tcp process (GNU time); for ' +
    'blackbox_exporter and zabbix_agentd, summed over their processes, started afresh for each cell.',
  "- harness ms/probe: CPU of what drove the tool, not counted as the tool's: the bash workers that start " +
    'check_tcp, the HTTP client that scrapes blackbox_exporter, the request loop that asks zabbix_agentd.',
  '- server CPU %: the banner server (its own process), % of one core.',
  '- other CPU %: what the machine spent outside the cell (other users, builds, tests), % of one core; a ' +
    'cell that shared the two cores with much else measured low.',
];

const MODE_TITLES: Record<Mode, string> = {
  connect: 'connect: open a TCP connection, close it',
  'send-expect': 'send/expect: connect, send `HELO x\\r\\n`, expect `250` (the greeting is `220 ready`)',
};

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number | undefined, digits: number) => (n === undefined ? '–' : n.toFixed(digits));

/** A cell where probes failed measured something else than the goal speaks of. */
const failing = (row: Row) => row.failed > 0;

function ratioCell(portwarden: Row, other: Row | undefined, atLeast: number): string {
  if (!other || other.probesPerSecond === 0) return '–';
  if (failing(portwarden) || failing(other)) return 'not judged: failures';
  const ratio = portwarden.probesPerSecond / other.probesPerSecond;
  const text = atLeast < 1 ? `${Math.round(ratio * 100)}%` : `${ratio.toFixed(1)}×`;
  return `${text} ${mark(ratio >= atLeast)}`;
}

function modeTable(rows: Row[], mode: Mode): string[] {
  const here = rows.filter((row) => row.mode === mode);
  const find = (tool: string, c: number) => here.find((row) => row.tool === tool && row.concurrency === c);
  const header = [
    'tool',
    'conc.',
    'probes/s',
    'CPU ms/probe',
    'peak RSS MiB',
    'harness ms/probe',
    'server CPU %',
    'other CPU %',
    'failed',
    ...RATE_GOALS.map((g) => `${g.label} (≥ ${g.atLeast < 1 ? `${g.atLeast * 100}%` : g.atLeast})`),
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  for (const row of here) {
    const ratios = RATE_GOALS.map((goal) =>
      row.tool === 'portwarden' ? ratioCell(row, find(goal.against, row.concurrency), goal.atLeast) : '',
    );
    const cells = [
      row.label,
      String(row.concurrency),
      row.spread
        ? `${int(row.probesPerSecond)} (${int(row.spread.min)}–${int(row.spread.max)})`
        : int(row.probesPerSecond),
      fixed(row.cpuMsPerProbe, 3),
      fixed(row.peakRssMiB, 1),
      fixed(row.harnessCpuMsPerProbe, 3),
      int(row.serverCpuPercent),
      int(row.otherCpuPercent),
      int(row.failed),
      ...ratios,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const notes = [...new Set(here.flatMap((row) => (row.note ? [`${row.label}: ${row.note}`] : [])))];
  const failures = here
    .filter((row) => row.failed > 0)
    .map((row) => `${row.label} c=${row.concurrency} failures: ${JSON.stringify(row.failures)}`);
  return [`### ${MODE_TITLES[mode]}`, '', ...lines, '', ...[...notes, ...failures].map((n) => `- ${n}`)];
}

function goalLines(rows: Row[]): string[] {
  const out: string[] = [];
  for (const goal of RATE_GOALS) {
    const verdicts = rows
      .filter((row) => row.tool === 'portwarden')
      .flatMap((row) => {
        const other = rows.find(
          (o) => o.tool === goal.against && o.mode === row.mode && o.concurrency === row.concurrency,
        );
        if (!other) return [];
        if (failing(row) || failing(other))
          return [`${row.mode} c=${row.concurrency}: not judged (failures)`];
        const ratio = row.probesPerSecond / other.probesPerSecond;
        return [`${row.mode} c=${row.concurrency}: ${mark(ratio >= goal.atLeast)} (${ratio.toFixed(2)})`];
      });
    if (verdicts.length > 0) out.push(`- Portwarden ${goal.label} ≥ ${goal.atLeast}: ${verdicts.join('; ')}`);
  }
  return out;
}

function cpuLines(rows: Row[]): string[] {
  const out: string[] = [];
  for (const row of rows.filter((r) => r.tool === 'portwarden')) {
    const find = (tool: string) =>
      rows.find((r) => r.tool === tool && r.mode === row.mode && r.concurrency === row.concurrency);
    const bare = find('bare');
    const zabbix = find('zabbix');
    const vsBare = bare
      ? `, bare loop ${bare.cpuMsPerProbe.toFixed(3)} ms (× ${(row.cpuMsPerProbe / bare.cpuMsPerProbe).toFixed(2)})`
      : '';
    const measured = zabbix
      ? `zabbix_agentd ${zabbix.cpuMsPerProbe.toFixed(3)} ms measured`
      : 'zabbix_agentd not measured';
    out.push(
      `- ${row.mode} c=${row.concurrency}: Portwarden ${row.cpuMsPerProbe.toFixed(3)} ms${vsBare}; ${measured} ` +
        `(reference, not measured: ${ZABBIX_REFERENCE_CPU_MS} ms)`,
    );
  }
  return out;
}

function idleLines(idle: IdleResult | string | undefined, options: BenchOptions): string[] {
  if (!idle) return ['Not measured (BENCH_IDLE_SECONDS=0).'];
  if (typeof idle === 'string') return [`Not measured: ${idle}`];
  const rssOk = idle.rssMiB.max < IDLE_GOALS.rssMiB;
  const cpuOk = idle.cpuPercentOfCore < IDLE_GOALS.cpuPercentOfCore;
  return [
    `- window: ${idle.windowSeconds.toFixed(0)} s (BENCH_IDLE_SECONDS=${options.idleSeconds}), after all six checks reported; ` +
      `${idle.probesInWindow} probes started in it; the checks found: ${idle.outcomes}`,
    `- RSS: ${idle.rssMiB.atEnd.toFixed(1)} MiB at the end, ${idle.rssMiB.max.toFixed(1)} MiB max in the window ` +
      `(peak since start ${idle.rssMiB.peak.toFixed(1)} MiB): goal < ${IDLE_GOALS.rssMiB} MiB ${mark(rssOk)}`,
    `- CPU: ${idle.cpuMs.toFixed(0)} ms in ${idle.windowSeconds.toFixed(0)} s = ${idle.cpuPercentOfCore.toFixed(3)}% of one core: ` +
      `goal < ${IDLE_GOALS.cpuPercentOfCore}% ${mark(cpuOk)}`,
  ];
}

function machineLines(machine: Machine): string[] {
  const tools = Object.values(machine.tools).map((t) =>
    t.bin
      ? `- ${t.name}: ${t.version ?? 'version unknown'} (${t.bin})`
      : `- ${t.name}: not installed (\`${t.install}\`)`,
  );
  return [
    `- ${machine.cores} cores (nproc), ${machine.cpuModel}, ${machine.memoryGiB} GiB`,
    `- ${machine.os}, Linux ${machine.kernel}, Node ${machine.node}`,
    ...tools,
  ];
}

export function formatReport(report: Report): string {
  const { options } = report;
  const lines = [
    '## Command',
    '',
    `    ${report.command}`,
    '',
    `Each cell: ${options.warmupSeconds} s warm-up, then ${options.cellSeconds} s measured, closed loop ` +
      `(each of the N workers starts its next probe when the last ends); ${options.rounds} round(s). ` +
      `Idle window: ${options.idleSeconds} s.`,
    '',
    '## Machine',
    '',
    `- Portwarden at commit ${report.build.commit}` +
      (report.build.uncommitted > 0
        ? ` plus ${report.build.uncommitted} uncommitted file(s) in agent/ and common/`
        : '') +
      `; built probe ${report.build.probeHash}` +
      (report.rebuilt ? ' — REBUILT DURING THE RUN: the figures mix two builds, run again' : ''),
    ...machineLines(report.machine),
    `- load average (1 min): ${report.load.start.toFixed(2)} at the start, ${report.load.end.toFixed(2)} at the end`,
    ...report.missing.map((t) => `- skipped ${t.name}: install it with \`${t.install}\``),
    '',
    '## Throughput and cost',
    '',
    ...LEGEND,
    '',
  ];
  for (const mode of options.modes) {
    if (report.rows.some((row) => row.mode === mode)) lines.push(...modeTable(report.rows, mode), '');
  }
  lines.push(
    '## Goals',
    '',
    ...goalLines(report.rows),
    '',
    'CPU per probe, beside the bare loop and zabbix_agentd:',
    '',
    ...cpuLines(report.rows),
  );
  lines.push(
    '',
    '## Idle agent (six Ports-tab checks every 2 minutes)',
    '',
    ...idleLines(report.idle, options),
  );
  lines.push(
    '',
    '## Reference figures from the issue (not measured in this run)',
    '',
    ...REFERENCE.map((r) => `- ${r}`),
  );
  return `${lines.join('\n')}\n`;
}
