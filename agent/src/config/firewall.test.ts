import {
  AgentConfig,
  Check,
  FirewallMode,
  FirewallProfile,
  FirewallProvider,
  type ResponseAction,
} from '@portwarden/proto/agent/v1';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, toCheckSpecs } from './config.js';

const firewall = (value: Parameters<typeof Check.fromPartial>[0]['kind']) =>
  AgentConfig.fromPartial({ checks: [Check.fromPartial({ id: 'fw', enabled: true, kind: value })] });

const port = (responses: ResponseAction[]) =>
  AgentConfig.fromPartial({
    checks: [
      Check.fromPartial({
        id: 'web',
        enabled: true,
        failuresBeforeAlert: 3,
        kind: { $case: 'port', value: { host: '127.0.0.1', port: 80 } },
        responses,
      }),
    ],
  });

function problems(config: AgentConfig, platform: NodeJS.Platform = 'linux'): string[] {
  try {
    toCheckSpecs(config, platform);
  } catch (err) {
    if (err instanceof InvalidConfigError) return err.problems;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('toCheckSpecs for firewall checks and responses', () => {
  it('maps a firewall check; its mode implies the responses', () => {
    const [spec] = toCheckSpecs(
      firewall({
        $case: 'firewall',
        value: {
          mode: FirewallMode.FIREWALL_MODE_ENABLE_OR_REBOOT,
          profiles: [FirewallProfile.FIREWALL_PROFILE_PUBLIC, FirewallProfile.FIREWALL_PROFILE_DOMAIN],
          provider: FirewallProvider.FIREWALL_PROVIDER_NETSH,
          timeoutMs: 30_000,
        },
      }),
    );
    expect(spec).toMatchObject({
      kind: 'firewall',
      failuresBeforeAlert: 1,
      spec: {
        mode: 'enable-or-reboot',
        profiles: ['public', 'domain'],
        provider: 'netsh',
        timeoutMs: 30_000,
      },
      responses: [
        { kind: 'firewall-enable', profiles: ['public', 'domain'], provider: 'netsh', timeoutMs: 30_000 },
        { kind: 'reboot' },
      ],
    });
  });

  it('reads proto3 zeros as the defaults: notify, every profile, auto, 60 s, no response', () => {
    const [spec] = toCheckSpecs(firewall({ $case: 'firewall', value: {} }));
    expect(spec).toMatchObject({
      spec: {
        mode: 'notify',
        profiles: ['domain', 'private', 'public'],
        provider: 'auto',
        timeoutMs: 60_000,
      },
      responses: [],
    });
  });

  it('refuses enum values a newer controller may send, rather than guess what to do', () => {
    expect(
      problems(
        firewall({ $case: 'firewall', value: { mode: 9 as FirewallMode, profiles: [7 as FirewallProfile] } }),
      ),
    ).toEqual([
      'checks[0] (fw): firewall.mode has an unknown value 9',
      'checks[0] (fw): firewall.profiles has an unknown value 7',
    ]);
  });

  it('maps port check responses with their thresholds and timeouts', () => {
    const [spec] = toCheckSpecs(
      port([
        { action: { $case: 'restartService', value: { name: 'nginx.service', timeoutMs: 0 } } },
        {
          action: {
            $case: 'runProgram',
            value: { path: '/usr/local/sbin/heal', args: ['a; b'], timeoutMs: 5000 },
          },
        },
        { action: { $case: 'reboot', value: {} } },
      ]),
    );
    expect(spec).toMatchObject({
      failuresBeforeAlert: 3,
      responses: [
        { kind: 'restart-service', service: 'nginx.service', timeoutMs: 60_000 },
        { kind: 'run-program', path: '/usr/local/sbin/heal', args: ['a; b'], timeoutMs: 5000 },
        { kind: 'reboot' },
      ],
    });
  });

  it("checks names and paths by this platform's rules and refuses the config whole", () => {
    const mssql: ResponseAction = {
      action: { $case: 'restartService', value: { name: 'MSSQL$SQLEXPRESS', timeoutMs: 0 } },
    };
    const windowsPath: ResponseAction = {
      action: { $case: 'runProgram', value: { path: 'C:\\Tools\\heal.exe', args: [], timeoutMs: 0 } },
    };
    expect(toCheckSpecs(port([mssql, windowsPath]), 'win32')[0]!.responses).toHaveLength(2);
    expect(problems(port([mssql, windowsPath]), 'linux')).toEqual([
      expect.stringMatching(
        /^checks\[0\] \(web\): responses\[0\]: invalid response: restartService: invalid service name "MSSQL\$SQLEXPRESS"/,
      ),
      expect.stringMatching(
        /^checks\[0\] \(web\): responses\[1\]: invalid response: runProgram: program path "C:\\\\Tools\\\\heal.exe" is not absolute/,
      ),
    ]);
  });

  it('refuses responses on a firewall check and actions it does not know', () => {
    const config = firewall({ $case: 'firewall', value: {} });
    config.checks[0]!.responses = [{ action: { $case: 'reboot', value: {} } }];
    expect(problems(config)).toEqual(["checks[0] (fw): has responses: a firewall check's mode implies them"]);
    expect(problems(port([{ action: undefined }]))).toEqual([
      'checks[0] (web): responses[0] has an action this agent does not know',
    ]);
  });
});
