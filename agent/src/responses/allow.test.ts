import { describe, expect, it } from 'vitest';
import { deniedBecause, parseResponsesConfig, RESPONSES_CONFIG_DEFAULTS } from './allow.js';
import type { ResponseSpec } from './spec.js';

const restart = (service: string): ResponseSpec => ({ kind: 'restart-service', service, timeoutMs: 1000 });
const program = (path: string): ResponseSpec => ({ kind: 'run-program', path, args: [], timeoutMs: 1000 });

describe('the local allow-list', () => {
  it('allows nothing by default', () => {
    expect(parseResponsesConfig(undefined, 'linux')).toEqual(RESPONSES_CONFIG_DEFAULTS);
    for (const response of [restart('nginx'), program('/bin/true'), { kind: 'reboot' } as const]) {
      expect(deniedBecause(response, RESPONSES_CONFIG_DEFAULTS, 'linux')).toMatch(
        /is not allowed by this agent's local config/,
      );
    }
  });

  it('reads the documented shape, durations included', () => {
    const config = parseResponsesConfig(
      {
        allow: ['restart-service', 'run-program', 'firewall-enable', 'reboot'],
        services: ['nginx.service'],
        programs: ['/usr/local/sbin/heal-web'],
        maxReboots: 2,
        rebootWindow: '12h',
        minUptime: '45m',
        firewall: { nftablesRuleset: '/etc/nftables/main.nft' },
      },
      'linux',
    );
    expect(config.reboot).toEqual({ maxReboots: 2, windowMs: 12 * 3_600_000, minUptimeMs: 45 * 60_000 });
    expect(config.firewall.nftablesRuleset).toBe('/etc/nftables/main.nft');
    expect(config.firewall.iptablesRules).toBe('/etc/iptables/rules.v4');
  });

  it('reports every problem with its path', () => {
    const parse = () =>
      parseResponsesConfig(
        {
          allow: ['restart-service', 'format-disk'],
          services: ['nginx; reboot'],
          programs: ['heal.sh'],
          maxReboots: -1,
          rebootWindow: 'soon',
          colour: 'blue',
          firewall: { nftablesRuleset: 'relative.conf', extra: 1 },
        },
        'linux',
      );
    expect(parse).toThrow(
      [
        'invalid local responses config:',
        '  responses.colour: unknown key',
        '  responses.allow[1]: unknown response "format-disk"; use restart-service, run-program, firewall-enable, reboot',
        '  responses.services[0]: invalid service name "nginx; reboot": use letters, digits and _ . @ - :, starting with a letter, digit or _',
        '  responses.programs[0]: program path "heal.sh" is not absolute: write the full path, such as /usr/local/bin/heal',
        '  responses.maxReboots: must be a whole number, 0 or more',
        '  responses.rebootWindow: invalid rebootWindow "soon"',
        '  responses.firewall.extra: unknown key',
        '  responses.firewall.nftablesRuleset: rules file "relative.conf" is not an absolute path',
      ].join('\n'),
    );
  });

  it('needs the kind and the exact name or path: two keys for every response', () => {
    const config = parseResponsesConfig(
      {
        allow: ['restart-service', 'run-program'],
        services: ['nginx.service'],
        programs: ['/opt/heal/bin/heal'],
      },
      'linux',
    );
    expect(deniedBecause(restart('nginx.service'), config, 'linux')).toBeUndefined();
    expect(deniedBecause(restart('nginx'), config, 'linux')).toBe(
      `service "nginx" is not in this agent's responses.services`,
    );
    expect(deniedBecause(restart('NGINX.service'), config, 'linux')).toBeDefined(); // Linux names are case-sensitive
    expect(deniedBecause(program('/opt/heal/bin/heal'), config, 'linux')).toBeUndefined();
    expect(deniedBecause(program('/opt/heal/bin/heal2'), config, 'linux')).toBeDefined();
    expect(deniedBecause({ kind: 'reboot' }, config, 'linux')).toBeDefined();
  });

  it('compares Windows names and paths without case, as Windows does', () => {
    const config = parseResponsesConfig(
      { allow: ['restart-service', 'run-program'], services: ['W3SVC'], programs: ['C:\\Tools\\heal.exe'] },
      'win32',
    );
    expect(deniedBecause(restart('w3svc'), config, 'win32')).toBeUndefined();
    expect(deniedBecause(program('c:\\tools\\HEAL.exe'), config, 'win32')).toBeUndefined();
  });
});
