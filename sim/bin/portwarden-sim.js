#!/usr/bin/env node
// Committed so that npm links the command at install time, before dist/ is built.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
// Before `npm run build`, one line saying so rather than Node's ERR_MODULE_NOT_FOUND and its stack.
if (!existsSync(main)) {
  process.stderr.write(
    'portwarden-sim: not built yet\n  hint: run `npm ci && npm run build` in the repository first\n',
  );
  process.exit(2);
}
await import(main.href);
