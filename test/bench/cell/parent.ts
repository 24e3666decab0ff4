/** The parent's side of a cell: start the prober child, sample clocks at `go` and `done`, collect. */
import { fork } from 'node:child_process';
import path from 'node:path';
import { DIST_DIR } from '../paths.js';
import type { CellMeasure, CellSpec, ChildMessage, ParentMessage } from './protocol.js';

export interface CellHooks {
  /** Just before the child starts its measured window. */
  atGo?(): void;
  /** Right after the child reports its measured window. */
  atDone?(): void;
}

/** Time a cell may take beyond its warm-up and duration before its child is killed. */
const GRACE_MS = 60_000;

export function runCell(
  spec: CellSpec,
  hooks: CellHooks = {},
  execArgv: string[] = [],
): Promise<CellMeasure> {
  const entry = path.join(DIST_DIR, 'probers/entry.js');
  const child = fork(entry, [JSON.stringify(spec)], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let measure: CellMeasure | undefined;
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL');
        reject(new Error(`${spec.tool} ${spec.mode} c=${spec.concurrency}: no result within the time limit`));
      },
      spec.warmupMs + spec.durationMs + GRACE_MS,
    );
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'warm') {
        hooks.atGo?.();
        child.send({ type: 'go' } satisfies ParentMessage);
      } else if (message.type === 'done') {
        hooks.atDone?.();
        measure = message.measure;
      } else {
        reject(new Error(`${spec.tool} ${spec.mode} c=${spec.concurrency}: ${message.message}`));
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (measure) resolve(measure);
      else
        reject(
          new Error(
            `${spec.tool} ${spec.mode} c=${spec.concurrency}: child exited (${code ?? signal}) without a result`,
          ),
        );
    });
  });
}
