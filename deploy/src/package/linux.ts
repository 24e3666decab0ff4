import { PortwardenError } from '@portwarden/common/errors';
import { buildDeb } from './deb.js';

/** `npm run package:linux`: the .deb into deploy/dist/linux (the workspace is built first). */
async function main(): Promise<void> {
  const started = Date.now();
  const deb = await buildDeb();
  const mib = (deb.bytes / 1024 / 1024).toFixed(2);
  process.stdout.write(`${deb.file} (${mib} MiB, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

main().catch((err: unknown) => {
  if (err instanceof PortwardenError) {
    process.stderr.write(`package:linux: ${err.message}${err.hint ? `; ${err.hint}` : ''}\n`);
    process.exit(2);
  }
  process.stderr.write(`package:linux: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
