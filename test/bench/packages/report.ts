/** The Markdown printed at the end of `npm run bench:packages` and pasted into BENCHMARKS.md. */
import type { Resident } from '../proc.js';
import type { Built } from './build.js';
import type { AgentWindow, IdleResults } from './idle.js';
import type { Window } from './sample.js';

export interface PackagesReport {
  command: string;
  date: string;
  commit: string;
  /** Files of the workspace changed since the commit. */
  uncommitted: number;
  machine: string;
  nodeVersion: string;
  wineVersion: string;
  checkInterval: string;
  /** os.loadavg()[0] at the start and the end: other work on the machine moves CPU and build times. */
  load: { start: number; end: number };
  built: Built;
  /** The measurement, or why there is none. */
  idle: IdleResults | string;
}

const MiB = 1024 * 1024;
const bytes = (n: number) => `${n.toLocaleString('en-US')} B (${(n / MiB).toFixed(2)} MiB)`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (kib: number) => (kib / 1024).toFixed(1);
const signed = (n: number, digits: number) => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(digits)}`;

function sizeRow(what: string, value: number, baseline: string, base: number): string {
  const delta = `${signed((value - base) / MiB, 2)} MiB (× ${(value / base).toFixed(2)})`;
  return `| ${what} | ${bytes(value)} | ${baseline} | ${bytes(base)} | ${delta} |`;
}

function timeRow(what: string, value: number, baseline: string, base: number): string {
  return `| ${what} | ${seconds(value)} | ${baseline} | ${seconds(base)} | ${signed((value - base) / 1000, 1)} s (× ${(value / base).toFixed(1)}) |`;
}

/** `end / max` MiB of one figure, and the differences to the baseline's. */
function rssRow(what: string, end: [number, number], max: [number, number], baseline: string): string {
  const pair = (a: number, b: number) => `${mib(a)} / ${mib(b)} MiB`;
  const diff = `${signed((end[0] - end[1]) / 1024, 1)} / ${signed((max[0] - max[1]) / 1024, 1)} MiB`;
  return `| ${what} | ${pair(end[0], max[0])} | ${baseline} | ${pair(end[1], max[1])} | ${diff} |`;
}

function cpuRow(what: string, value: number, baseline: string, base: number): string {
  return `| ${what} | ${value.toFixed(3)} % | ${baseline} | ${base.toFixed(3)} % | ${signed(value - base, 3)} points |`;
}

function residentRows(os: string, agent: Window, base: Window, baseline: string): string[] {
  const field = (key: keyof Resident, label: string) =>
    rssRow(
      `${os}: agent's ${label}, end / max`,
      [agent.end[key], base.end[key]],
      [agent.max[key], base.max[key]],
      baseline,
    );
  return [field('rssKiB', 'VmRSS'), field('anonKiB', 'RssAnon'), field('fileKiB', 'RssFile')];
}

function idleRows(idle: IdleResults): string[] {
  const wineBase = 'node.exe running the idle script, same prefix';
  const { wine, linux } = idle;
  const rows = residentRows('Wine', wine.agent, wine.baseline, wineBase);
  if (wine.agent.group && wine.baseline.group) {
    const a = wine.agent.group;
    const b = wine.baseline.group;
    rows.push(
      rssRow(
        `Wine: whole prefix, VmRSS summed (${a.processes} processes with wineserver), end / max`,
        [a.endKiB, b.endKiB],
        [a.maxKiB, b.maxKiB],
        `${wineBase} (${b.processes} processes)`,
      ),
    );
  }
  rows.push(
    cpuRow("Wine: agent's CPU, % of one core", wine.agent.cpuPercent, wineBase, wine.baseline.cpuPercent),
  );
  if (wine.agent.group && wine.baseline.group)
    rows.push(
      cpuRow(
        'Wine: whole prefix CPU (wineserver included), % of one core',
        wine.agent.group.cpuPercent,
        wineBase,
        wine.baseline.group.cpuPercent,
      ),
    );
  const linuxBase = '`node -e` with the idle script';
  rows.push(...residentRows('Linux', linux.agent, linux.baseline, linuxBase));
  rows.push(
    cpuRow("Linux: agent's CPU, % of one core", linux.agent.cpuPercent, linuxBase, linux.baseline.cpuPercent),
  );
  return rows;
}

function windowLine(name: string, agent: AgentWindow, base: Window): string {
  return `- ${name}: windows of ${agent.seconds.toFixed(0)} s (agent) and ${base.seconds.toFixed(0)} s (baseline); the agent stored ${agent.results} results in its window.`;
}

export function formatPackagesReport(report: PackagesReport): string {
  const { built } = report;
  const b = built.bytes;
  const lines = [
    `### Packages (issue 10): run of ${report.date}, commit ${report.commit}${report.uncommitted ? ` + ${report.uncommitted} changed files` : ''}`,
    '',
    `\`${report.command}\` on ${report.machine}; agent ${built.version}, node.exe ${built.nodeExeVersion} (Windows), ` +
      `node ${report.nodeVersion} (Linux), ${report.wineVersion}; load average ${report.load.start.toFixed(2)} at the start, ` +
      `${report.load.end.toFixed(2)} at the end.`,
    '',
    '| figure | Portwarden | baseline (same run) | baseline figure | Portwarden − baseline |',
    '| --- | ---: | --- | ---: | ---: |',
    sizeRow(
      'portwarden-agent.exe',
      b.agentExe,
      `node.exe ${built.nodeExeVersion} it is made from`,
      b.nodeExe,
    ),
    sizeRow(
      'SEA blob (bundle + winsw.exe asset)',
      b.seaBlob,
      'the bundled .cjs in it (Node 22)',
      b.windowsBundle,
    ),
    sizeRow('portwarden-agent.msi', b.msi, 'portwarden-agent.exe', b.agentExe),
    sizeRow(
      `portwarden-agent_${built.version}_all.deb`,
      b.deb,
      'its bundled .cjs, unpacked (Node 20)',
      b.debBundle,
    ),
    timeRow(
      'build: exe + MSI (`buildWindowsAgent`)',
      built.ms.windows,
      'esbuild bundle of the agent alone',
      built.ms.bundle,
    ),
    timeRow('build: .deb (`buildDeb`)', built.ms.deb, 'esbuild bundle of the agent alone', built.ms.bundle),
  ];
  if (typeof report.idle === 'string') {
    lines.push('', `Idle: ${report.idle}`);
  } else {
    lines.splice(lines.length, 0, ...idleRows(report.idle));
    lines.push(
      '',
      windowLine('Wine', report.idle.wine.agent, report.idle.wine.baseline),
      windowLine('Linux', report.idle.linux.agent, report.idle.linux.baseline),
      `- The agents: enrolled over mutual TLS with a controller on loopback, one port check every ${report.checkInterval} against a loopback TCP server; the idle script: \`setInterval(() => {}, 1e9)\` after writing a file to say it is up.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
