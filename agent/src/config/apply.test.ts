import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '@portwarden/common/logger';
import { AgentConfig, Check } from '@portwarden/proto/agent/v1';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyConfig, runCachedConfig, type ConfigDeps } from './apply.js';
import { loadConfig } from './config.js';

let dir: string;
let runs: [string[], number][];
let deps: ConfigDeps;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-apply-'));
  runs = [];
  deps = {
    stateDir: dir,
    platform: 'linux',
    logger: silentLogger(),
    run: (checks, revision) => void runs.push([checks.map((c) => c.id), revision]),
  };
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const withPort = (port: number) =>
  AgentConfig.fromPartial({
    checks: [
      Check.fromPartial({ id: 'web', enabled: true, kind: { $case: 'port', value: { host: 'h', port } } }),
    ],
  });

describe('applyConfig', () => {
  it('saves a valid push, then runs it', async () => {
    expect(await applyConfig({ revision: 4, config: withPort(80) }, deps)).toBe('');
    expect(runs).toEqual([[['web'], 4]]);
    expect((await loadConfig(dir))?.revision).toBe(4);
  });

  it('refuses an invalid push, saying why, and keeps the previous config on disk and running', async () => {
    await applyConfig({ revision: 4, config: withPort(80) }, deps);
    const refused = await applyConfig({ revision: 5, config: withPort(0) }, deps);
    expect(refused).toBe('config rejected: checks[0] (web): port must be 1-65535');
    expect(runs).toEqual([[['web'], 4]]);
    expect((await loadConfig(dir))?.revision).toBe(4);
  });

  it('runs an empty config for a push without one', async () => {
    expect(await applyConfig({ revision: 1, config: undefined }, deps)).toBe('');
    expect(runs).toEqual([[[], 1]]);
  });
});

describe('runCachedConfig', () => {
  it('runs the config last applied', async () => {
    await applyConfig({ revision: 7, config: withPort(443) }, deps);
    runs = [];
    await runCachedConfig(deps);
    expect(runs).toEqual([[['web'], 7]]);
  });

  it.each([
    // a new agent: nothing to run until the controller sends a config
    ['no file', undefined],
    // a damaged cache must not stop the agent: it waits for the controller instead
    ['unreadable', '{ not json'],
    ['without a revision', '{"config":{}}'],
  ])('runs nothing with %s', async (_, text) => {
    if (text !== undefined) await writeFile(path.join(dir, 'config.json'), text);
    await runCachedConfig(deps);
    expect(runs).toEqual([]);
  });
});
