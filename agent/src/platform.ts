import { readFileSync } from 'node:fs';

/** Put in by the bundler (deploy/src/package/bundle.ts): a bundle has no package.json beside it. */
declare const __PORTWARDEN_AGENT_VERSION__: string | undefined;

/**
 * The agent's version: the bundler's when bundled, else from its package.json (one directory up
 * from both src/ and dist/).
 */
export const AGENT_VERSION: string =
  typeof __PORTWARDEN_AGENT_VERSION__ === 'string' ? __PORTWARDEN_AGENT_VERSION__ : packageVersion();

function packageVersion(): string {
  return (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
}

const OS_FAMILIES: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'linux',
  win32: 'windows',
  darwin: 'darwin',
};

/** The operating system family the controller knows: linux, windows or darwin (else Node's name). */
export function osFamily(platform: NodeJS.Platform = process.platform): string {
  return OS_FAMILIES[platform] ?? platform;
}
