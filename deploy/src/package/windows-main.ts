#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, PortwardenError } from '@portwarden/common/errors';
import { createLogger } from '@portwarden/common/logger';
import { buildWindowsAgent } from './windows.js';

/**
 * `npm run package:windows`: deploy/dist/windows/portwarden-agent.exe (and the WinSW wrapper beside
 * it). Run after the workspace is built; the root script does both. Logs are JSON lines on stderr.
 */
async function main(): Promise<void> {
  const logger = createLogger({
    name: 'package-windows',
    destination: pino.destination({ fd: 2, sync: true }),
  });
  let values: { 'sign-cert'?: string; 'sign-key'?: string };
  try {
    ({ values } = parseArgs({
      options: { 'sign-cert': { type: 'string' }, 'sign-key': { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    throw new ConfigError((err as Error).message, 'the options are --sign-cert FILE --sign-key FILE');
  }
  const build = await buildWindowsAgent({
    logger,
    signCert: values['sign-cert'] ?? (process.env.PORTWARDEN_SIGN_CERT || undefined),
    signKey: values['sign-key'] ?? (process.env.PORTWARDEN_SIGN_KEY || undefined),
  });
  process.stdout.write(`${build.agentExe} (${build.bytes} bytes, sha256 ${build.sha256})\n${build.msi}\n`);
}

main().catch((err: unknown) => {
  if (err instanceof PortwardenError) {
    process.stderr.write(`package:windows: ${err.message}${err.hint ? `; ${err.hint}` : ''}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `package:windows: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
