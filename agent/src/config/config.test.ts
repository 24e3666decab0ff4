import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentConfig, Check } from '@portwarden/proto/agent/v1';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidConfigError, loadConfig, saveConfig, toCheckSpecs } from './config.js';

const smtp = Check.fromPartial({
  id: 'smtp',
  name: 'E-mail Send (SMTP) Server',
  intervalMs: 60_000,
  enabled: true,
  kind: {
    $case: 'port',
    value: {
      host: '127.0.0.1',
      port: 25,
      send: Buffer.from('HELO x'),
      crlf: true,
      expect: '250',
      timeoutMs: 5000,
    },
  },
});

function rejection(config: AgentConfig): InvalidConfigError {
  try {
    toCheckSpecs(config);
  } catch (err) {
    if (err instanceof InvalidConfigError) return err;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('toCheckSpecs', () => {
  it('fills every default and keeps durations in milliseconds', () => {
    const bare = Check.fromPartial({
      id: 'web',
      enabled: true,
      kind: { $case: 'port', value: { host: 'h', port: 80 } },
    });
    expect(toCheckSpecs(AgentConfig.fromPartial({ checks: [smtp, bare] }))).toEqual([
      {
        id: 'smtp',
        name: 'E-mail Send (SMTP) Server',
        intervalMs: 60_000,
        enabled: true,
        kind: 'port',
        spec: {
          host: '127.0.0.1',
          port: 25,
          send: Buffer.from('HELO x'),
          crlf: true,
          extraCrlf: false,
          expect: '250',
          timeoutMs: 5000,
          connectTimeoutMs: 5000,
          maxBytes: 4096,
        },
      },
      expect.objectContaining({
        id: 'web',
        name: 'web',
        intervalMs: 120_000,
        spec: expect.objectContaining({ timeoutMs: 10_000, connectTimeoutMs: 10_000, maxBytes: 4096 }),
      }),
    ]);
  });

  it('rejects a config whole and names every problem', () => {
    const error = rejection(
      AgentConfig.fromPartial({
        checks: [
          smtp,
          { ...smtp, kind: { $case: 'port', value: { host: '', port: 70_000 } } },
          Check.fromPartial({ id: 'fw', enabled: true }),
        ],
      }),
    );
    expect(error.problems).toEqual([
      'checks[1] (smtp): repeats an id',
      'checks[1] (smtp): has no host',
      'checks[1] (smtp): port must be 1-65535',
      'checks[2] (fw): has a kind this agent does not know',
    ]);
    expect(error.message).toMatch(/^config rejected: checks\[1\] \(smtp\): repeats an id; /);
  });
});

describe('cached config', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pw-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips the revision and the config, bytes included, leaving no temp file', async () => {
    const config = AgentConfig.fromPartial({ checks: [smtp] });
    await saveConfig(dir, { revision: 7, config });
    await saveConfig(dir, { revision: 8, config });
    expect(await loadConfig(dir)).toEqual({ revision: 8, config });
    expect(await readdir(dir)).toEqual(['config.json']);
  });

  it('is undefined before the first config', async () => {
    expect(await loadConfig(dir)).toBeUndefined();
  });
});
