import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { loadLocalConfig, LOCAL_CONFIG_DEFAULTS } from './local.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pw-local-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('the local config', () => {
  it('allows nothing when <state dir>/agent.yaml does not exist', async () => {
    expect(await loadLocalConfig(dir, undefined, 'linux')).toBe(LOCAL_CONFIG_DEFAULTS);
    expect(LOCAL_CONFIG_DEFAULTS.responses.allow).toEqual([]);
  });

  it('reads <state dir>/agent.yaml', async () => {
    await writeFile(
      path.join(dir, 'agent.yaml'),
      'responses:\n  allow: [restart-service, reboot]\n  services: [nginx.service]\n  maxReboots: 2\n  rebootWindow: 12h\n',
    );
    const config = await loadLocalConfig(dir, undefined, 'linux');
    expect(config.responses).toMatchObject({
      allow: ['restart-service', 'reboot'],
      services: ['nginx.service'],
      programs: [],
      reboot: { maxReboots: 2, windowMs: 12 * 3_600_000 },
    });
  });

  it('reads --config FILE instead, which must exist', async () => {
    const file = path.join(dir, 'elsewhere.yaml');
    await writeFile(file, 'responses: { allow: [run-program], programs: [/usr/local/sbin/heal] }\n');
    expect((await loadLocalConfig(dir, file, 'linux')).responses.programs).toEqual(['/usr/local/sbin/heal']);
    const missing = await rejection(loadLocalConfig(dir, path.join(dir, 'nope.yaml'), 'linux'));
    expect(missing.message).toBe(`cannot read the local config ${path.join(dir, 'nope.yaml')}: ENOENT`);
  });

  // [file text, the message the administrator sees]
  const invalid: [string, RegExp][] = [
    ['responses: [\n', /not valid YAML/],
    ['- responses\n', /must be a mapping/],
    ['respones: { allow: [reboot] }\n', /unknown key "respones"/],
    ['responses: { allow: [shutdown] }\n', /responses\.allow\[0\]: unknown response "shutdown"/],
    [
      'responses: { allow: [restart-service], services: ["nginx; reboot"] }\n',
      /responses\.services\[0\]: invalid service name/,
    ],
    ['responses: { alow: [reboot] }\n', /responses\.alow: unknown key/],
  ];
  it.each(invalid)('refuses %j, naming the file', async (text, message) => {
    const file = path.join(dir, 'agent.yaml');
    await writeFile(file, text);
    const error = await rejection(loadLocalConfig(dir, undefined, 'linux'));
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(file)).toBe(true);
    expect(error.hint).toContain('start the agent again');
  });
});
