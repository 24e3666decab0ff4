import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AddressFamily,
  AddressMode,
  AgentConfig,
  Check,
  MatchMode,
  StartTls,
} from '@portwarden/proto/agent/v1';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPortSpec } from '../probes/port/spec.js';
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
        // proto3's 0: the default, 1
        failuresBeforeAlert: 1,
        responses: [],
        kind: 'port',
        // A config cached by an older agent: the classic send/expect becomes two steps.
        spec: defaultPortSpec({
          host: '127.0.0.1',
          port: 25,
          send: Buffer.from('HELO x'),
          crlf: true,
          expect: '250',
          timeoutMs: 5000,
        }),
      },
      expect.objectContaining({
        id: 'web',
        name: 'web',
        intervalMs: 120_000,
        spec: expect.objectContaining({ timeoutMs: 10_000, connectTimeoutMs: 10_000, maxBytes: 4096 }),
      }),
    ]);
  });

  it('maps every probe option, steps and enums included', () => {
    const check = Check.fromPartial({
      id: 'imap',
      enabled: true,
      kind: {
        $case: 'port',
        value: {
          host: 'mail.test',
          port: 143,
          family: AddressFamily.ADDRESS_FAMILY_IPV6,
          addresses: AddressMode.ADDRESS_MODE_ANY,
          steps: [
            { step: { $case: 'send', value: Buffer.from('a NOOP') } },
            {
              step: {
                $case: 'expect',
                value: { texts: ['OK'], regexes: ['^a '], mode: MatchMode.MATCH_MODE_ANY, ignoreCase: true },
              },
            },
          ],
          crlf: true,
          quit: Buffer.from('a LOGOUT'),
          timeoutMs: 8000,
          connectTimeoutMs: 2000,
          slowAfterMs: 1500,
          starttls: StartTls.START_TLS_IMAP,
          sni: 'imap.test',
          tlsInsecure: true,
          caFile: '/etc/ca.pem',
          certExpiresWithinMs: 1_209_600_000,
          transcript: true,
        },
      },
    });
    expect(toCheckSpecs(AgentConfig.fromPartial({ checks: [check] }))[0]!.spec).toEqual({
      host: 'mail.test',
      port: 143,
      family: 'ipv6',
      addresses: 'any',
      steps: [
        { kind: 'send', bytes: Buffer.from('a NOOP') },
        { kind: 'expect', expect: { texts: ['OK'], regexes: ['^a '], mode: 'any', ignoreCase: true } },
      ],
      crlf: true,
      extraCrlf: false,
      quit: Buffer.from('a LOGOUT'),
      maxBytes: 4096,
      timeoutMs: 8000,
      connectTimeoutMs: 2000,
      slowAfterMs: 1500,
      tls: false,
      starttls: 'imap',
      sni: 'imap.test',
      tlsVerify: false,
      caFile: '/etc/ca.pem',
      certExpiresWithinMs: 1_209_600_000,
      expectClosed: false,
      transcript: true,
    });
  });

  it('rejects values a newer controller may send and combinations the probe cannot run', () => {
    const error = rejection(
      AgentConfig.fromPartial({
        checks: [
          Check.fromPartial({
            id: 'x',
            enabled: true,
            kind: {
              $case: 'port',
              value: {
                host: 'h',
                port: 1,
                family: 9 as AddressFamily,
                tls: true,
                starttls: StartTls.START_TLS_SMTP,
                steps: [{ step: undefined }, { step: { $case: 'expect', value: { regexes: ['('] } } }],
              },
            },
          }),
        ],
      }),
    );
    expect(error.problems).toEqual([
      'checks[0] (x): family has an unknown value 9',
      'checks[0] (x): steps[0] neither sends nor expects',
      'checks[0] (x): tls and starttls cannot go together',
      'checks[0] (x): steps[1] has an invalid regular expression /(/: Unterminated group',
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
