import { fileURLToPath } from 'node:url';

/** test/bench/ */
export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
/** Where transpile.ts writes the JavaScript the child processes run (git-ignored, like every dist/). */
export const DIST_DIR = fileURLToPath(new URL('./dist/', import.meta.url));
