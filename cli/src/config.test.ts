import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configPath, pickContext, readConfig, writeConfig, type CliConfig } from './config.js';

describe('configPath', () => {
  it.each([
    ['PORTWARDEN_CONFIG wins', { PORTWARDEN_CONFIG: '/etc/pw.yaml', XDG_CONFIG_HOME: '/x' }, '/etc/pw.yaml'],
    ['XDG_CONFIG_HOME', { XDG_CONFIG_HOME: '/x' }, '/x/portwarden/config.yaml'],
    ['~/.config', {}, '/home/ann/.config/portwarden/config.yaml'],
  ])('%s', (_case, env, expected) => {
    expect(configPath(env, '/home/ann')).toBe(expected);
  });
});

const CONFIG: CliConfig = {
  contexts: {
    prod: { url: 'https://127.0.0.2:7443', token: 'pwt_p', caFingerprint: 'sha256:ab' },
    lab: { url: 'http://127.0.0.1:7480', token: 'pwt_l' },
  },
  current: 'prod',
};

describe('the config file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pw-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is written for the user alone, in a directory of its own, and read back', async () => {
    const file = join(dir, 'new', 'config.yaml');
    await writeConfig(file, CONFIG);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'new'))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(dir, 'new'))).toEqual(['config.yaml']);
    expect(readConfig(file)).toEqual(CONFIG);
  });

  it('replaces an existing file whole', async () => {
    const file = join(dir, 'replaced.yaml');
    await writeFile(file, 'contexts: {}\n# a long comment that must not survive\n', { mode: 0o600 });
    await writeConfig(file, CONFIG);
    expect(await readFile(file, 'utf8')).not.toContain('comment');
  });

  it('is missing until the first login', async () => {
    expect(readConfig(join(dir, 'none.yaml'))).toBeUndefined();
  });

  it('says what is wrong with a hand-broken file', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'contexts:\n  prod: {url: 1}\n');
    expect(() => readConfig(file)).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(file) as string,
        hint: expect.stringContaining('portwarden login') as string,
      }),
    );
  });
});

describe('pickContext', () => {
  it.each([
    ['the current one', CONFIG, undefined, CONFIG.contexts.prod],
    ['the one named', CONFIG, 'lab', CONFIG.contexts.lab],
    ['none without a config', undefined, undefined, undefined],
    ['none without a current one', { contexts: CONFIG.contexts }, undefined, undefined],
  ])('%s', (_case, config, name, expected) => {
    expect(pickContext(config, name)).toEqual(expected);
  });

  it('refuses a name the config does not have, listing the ones it has', () => {
    expect(() => pickContext(CONFIG, 'staging')).toThrow(/no context staging/);
    expect(() => pickContext(CONFIG, 'staging')).toThrow(
      expect.objectContaining({ hint: 'one of: prod, lab' }),
    );
  });
});
