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
export async function realServiceDeps(): Promise<ServiceDeps & { writeError(text: string): void }> {
  const sea = await import('node:sea').catch(() => undefined);
  const packaged = sea?.isSea() ?? false;
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
          return new Uint8Array(sea!.getAsset('winsw.exe'));
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
