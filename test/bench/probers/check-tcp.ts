/**
 * check_tcp, the way Nagios and Icinga run it: one process per check, N at once, started by a
 * small C program (their workers; here bash), never by a big process whose every fork copies a
 * large page table. Node's spawn would be the bottleneck: it blocks its event loop for each
 * fork+exec. Each of the N bash workers runs check_tcp in a loop until the deadline, then writes
 * its count and `times` (its own CPU, and its children's: exactly the check_tcp processes).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Window, WindowResult } from '../cell/child.js';
import type { CellSpec } from '../cell/protocol.js';
import { checkTcpArgs } from '../tools/check-tcp.js';

/** Arguments: workers, deadline (µs since the epoch), checks per worker at most, out dir, check_tcp, its args. */
const POOL = `
workers=$1 deadline=$2 most=$3 out=$4 bin=$5
shift 5
worker() {
  local id=$1 n=0 ok=0
  shift
  while (( n < most && \${EPOCHREALTIME/./} < deadline )); do
    if "$bin" "$@" >/dev/null 2>&1; then ok=$((ok + 1)); fi
    n=$((n + 1))
  done
  { echo "$n $ok"; times; } > "$out/$id.w"
}
for ((i = 0; i < workers; i++)); do worker "$i" "$@" & done
wait
`;

/** `times` prints `0m0.012s 0m0.004s` (user, system) for the shell, then for its children. */
function seconds(line: string | undefined): number {
  return [...(line ?? '').matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, m) => sum + Number(m[1]) * 60 + Number(m[2]),
    0,
  );
}

async function collect(dir: string, workers: number): Promise<Omit<WindowResult, 'elapsedMs'>> {
  const total = { probes: 0, ok: 0, toolCpuMs: 0, helperCpuMs: 0 };
  for (let i = 0; i < workers; i += 1) {
    const [counts, shell, children] = (await readFile(path.join(dir, `${i}.w`), 'utf8')).split('\n');
    const [n, ok] = (counts ?? '').split(' ').map(Number);
    total.probes += n ?? 0;
    total.ok += ok ?? 0;
    total.helperCpuMs += seconds(shell) * 1000;
    total.toolCpuMs += seconds(children) * 1000;
  }
  const failed = total.probes - total.ok;
  return { ...total, failed, failures: failed > 0 ? { 'check_tcp exited non-zero': failed } : {} };
}

export function createWindow(cell: CellSpec): Window {
  const bin = cell.settings.bin!;
  const args = checkTcpArgs(cell.mode, cell.target);
  const most = Math.ceil(cell.maxProbes / cell.concurrency);
  return async (durationMs) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pw-bench-check-tcp-'));
    try {
      const started = Date.now();
      const deadline = String((started + durationMs) * 1000);
      const pool = spawn(
        'bash',
        ['-c', POOL, 'check-tcp-pool', String(cell.concurrency), deadline, String(most), dir, bin, ...args],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      const [code] = (await once(pool, 'exit')) as [number | null];
      const elapsedMs = Date.now() - started;
      if (code !== 0) throw new Error(`the check_tcp worker pool exited with ${code}`);
      return { ...(await collect(dir, cell.concurrency)), elapsedMs };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
