import { getAsset, isSea } from 'node:sea';
import { realSystem } from '../system/system.js';
import { realFiles } from './files.js';
import type { ServiceDeps } from './service.js';

/** Start and stop wait this long for the state; WinSW's stop timeout is 15 s. */
const WAIT_TIMEOUT_MS = 60_000;
const POLL_EVERY_MS = 500;

/**
 * The service commands' real dependencies. Packaged as a Node single-executable application, the
 * exe is process.execPath and carries winsw.exe as an asset; run from source, it is neither.
 */
export function realServiceDeps(): ServiceDeps & { writeError(text: string): void } {
  // A static import: esbuild makes it require('node:sea'), which a SEA's require serves; a dynamic
  // import() is not available to the main script of a Node 22 SEA.
  const packaged = isSea();
  return {
    system: realSystem(),
    files: realFiles(),
    env: process.env,
    write: (text) => process.stdout.write(text),
    writeError: (text) => process.stderr.write(text),
    ...(packaged && {
      packagedExe: process.execPath,
      packagedWrapper: () => {
        try {
          return new Uint8Array(getAsset('winsw.exe'));
        } catch {
          return undefined; // an exe built without the asset: install asks for --wrapper
        }
      },
    }),
    wait: {
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      timeoutMs: WAIT_TIMEOUT_MS,
      everyMs: POLL_EVERY_MS,
    },
  };
}
