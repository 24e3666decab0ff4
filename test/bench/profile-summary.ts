/**
 * Where a Node prober's CPU went: reads V8 CPU profiles written with BENCH_CPU_PROF=DIR and prints
 * self time by origin (the probe's own code, Node's core, GC, idle) and by function, and the total
 * (inclusive) time of Portwarden's own functions.
 * Usage: node --import tsx bench/profile-summary.ts DIR/*.cpuprofile
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function origin(url: string, name: string): string {
  if (name.startsWith('(')) return name;
  if (url.includes('/agent/dist/') || url.includes('/common/dist/')) return 'portwarden';
  if (url.includes('/test/bench/')) return 'bench harness';
  if (url.startsWith('node:')) return 'node core';
  return url === '' ? 'native' : 'other';
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'}${url ? ` ${path.basename(url)}:${lineNumber + 1}` : ''}`;
}

function add(totals: Map<string, number>, key: string, us: number): void {
  totals.set(key, (totals.get(key) ?? 0) + us);
}

function table(title: string, totals: Map<string, number>, all: number, rows: number): string[] {
  const sorted = [...totals].sort((a, b) => b[1] - a[1]).slice(0, rows);
  return [title, ...sorted.map(([key, us]) => `${((us / all) * 100).toFixed(1).padStart(6)}%  ${key}`), ''];
}

async function summarize(file: string): Promise<string> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const origins = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    all += us;
    add(self, label(node), us);
    add(origins, origin(node.callFrame.url, node.callFrame.functionName), us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      if (origin(frame.callFrame.url, frame.callFrame.functionName) !== 'portwarden') continue;
      const key = label(frame);
      if (!seen.has(key)) add(inclusive, key, us);
      seen.add(key);
    }
  });
  return [
    `== ${file}`,
    ...table('self time by origin', origins, all, 10),
    ...table('self time by function', self, all, 30),
    ...table("total time of Portwarden's functions (callees included)", inclusive, all, 15),
  ].join('\n');
}

for (const file of process.argv.slice(2)) process.stdout.write(`${await summarize(file)}\n`);
