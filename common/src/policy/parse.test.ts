import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { yamlAliasBomb } from '../testing.js';
import { parsePolicy } from './parse.js';
import { policyRejection } from './testing.js';
import { isPortCheck } from './resolved.js';

const testdata = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

const rejection = policyRejection;

describe('parsePolicy', () => {
  it('resolves the Ports tab example with every default filled in', () => {
    const policy = parsePolicy(testdata('ports-tab.yaml'));
    expect(policy.checks.filter(isPortCheck).map((c) => [c.id, c.port])).toEqual([
      ['web-http-server', 80],
      ['secure-web-https-server', 443],
      ['ftp-server', 21],
      ['e-mail-send-smtp-server', 25],
      ['e-mail-receive-pop3-server', 110],
      ['e-mail-receive-imap-server', 143],
    ]);
    const smtp = policy.checks[3]!;
    expect(smtp).toMatchObject({
      steps: [
        { send: 'HELO portwarden' },
        { expect: { texts: ['250'], regexes: [], mode: 'all', ignoreCase: false } },
      ],
      crlf: true,
      extraCrlf: false,
      quit: '',
      maxBytes: 4096,
      family: 'auto',
      addresses: 'first',
      tls: false,
      starttls: 'none',
      sni: '',
      tlsVerify: true,
      caFile: '',
      certExpiresWithinMs: 0,
      slowAfterMs: 0,
      expectClosed: false,
      transcript: false,
      intervalMs: 120_000,
      timeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      failuresBeforeAlert: 1,
      alertGroup: 'critical-errors',
      enabled: true,
      host: '127.0.0.1',
    });
    expect(policy.alertGroups['critical-errors']?.name).toBe('Critical Errors');
  });

  it('rejects a bad policy whole, with every error, its path and its line', () => {
    const error = rejection(testdata('invalid-three-errors.yaml'));
    expect(error.issues).toEqual([
      { path: 'checks[0].colour', line: 8, message: 'unknown key "colour"' },
      { path: 'checks[1].port', line: 10, message: 'a port is 1-65535' },
      { path: 'checks[2].name', line: 12, message: 'is required' },
    ]);
  });

  it("reports resolve's errors with the schema's in one answer, skipping only what the schema rejected", () => {
    const error = rejection(testdata('invalid-schema-and-semantic.yaml'));
    expect(error.issues).toEqual([
      {
        path: 'alertGroups.pager.channels[0]',
        line: 7,
        message:
          'a channel is webhook: { url: ... }, email: { to, from, smtp: { host } }, slack: { url: ... }, teams: { url: ... }, pagerduty: { routingKey: ... }, alertmanager: { url: ... } or log: {}',
      },
      { path: 'checks[0].tlsVerify', line: 9, message: 'needs tls: true or starttls' },
      { path: 'checks[1].port', line: 10, message: 'a port is 1-65535' },
      // checks[3] names "pager", which exists though the schema rejected it.
      { path: 'checks[2].alertGroup', line: 11, message: 'unknown alert group "oncall"' },
      // Its name is checks[0]'s too, but a check the schema rejected is not resolved.
      { path: 'checks[4].colour', line: 13, message: 'unknown key "colour"' },
    ]);
  });

  it('skips the checks of a check that falls back to a default the schema rejected', () => {
    const error = rejection(
      'defaults: {alertGroup: g, timeout: 5}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks:\n- {name: a, port: 1, slowAfter: 20s}\n- {name: b, port: 2, timeout: 5s, slowAfter: 20s}',
    );
    expect(error.issues.map((i) => i.path)).toEqual(['defaults.timeout', 'checks[1].slowAfter']);
  });

  it('fills successesBeforeResolve and flapping from the check, else from defaults, else the default', () => {
    const policy = parsePolicy(`
defaults: { alertGroup: g, successesBeforeResolve: 2, flapping: { changes: 4, window: 30m } }
alertGroups: { g: { channels: [{ log: {} }] } }
checks:
  - { name: inherits, port: 1 }
  - { name: own, port: 2, successesBeforeResolve: 5, flapping: { changes: 2, window: 10m } }
  - { name: firewall, firewall: {}, successesBeforeResolve: 3 }
`);
    expect(policy.checks.map((c) => [c.id, c.successesBeforeResolve, c.flapping])).toEqual([
      ['inherits', 2, { changes: 4, windowMs: 1_800_000 }],
      ['own', 5, { changes: 2, windowMs: 600_000 }],
      ['firewall', 3, { changes: 4, windowMs: 1_800_000 }],
    ]);
    const plain = parsePolicy(
      'alertGroups: { g: { channels: [{ log: {} }] } }\nchecks: [{ name: a, port: 1, alertGroup: g }]',
    );
    expect(plain.checks[0]!.successesBeforeResolve).toBe(1);
    expect(plain.checks[0]!.flapping).toBeUndefined();
  });

  it('resolves grouping: groupBy with groupWait (30s by default), none without groupBy', () => {
    const policy = parsePolicy(
      'alertGroups:\n  a: {channels: [{log: {}}], groupBy: [agent, role], groupWait: 2m}\n  b: {channels: [{log: {}}], groupBy: [check]}\n  c: {channels: [{log: {}}]}\nchecks: []',
    );
    expect(policy.alertGroups.a?.grouping).toEqual({ by: ['agent', 'role'], waitMs: 120_000 });
    expect(policy.alertGroups.b?.grouping).toEqual({ by: ['check'], waitMs: 30_000 });
    expect(policy.alertGroups.c?.grouping).toBeUndefined();
    expect(policy.alertGroups.c).not.toHaveProperty('grouping');
  });

  // Each case: the policy text, then the path and message the user must see.
  const invalid: [string, string, string, RegExp][] = [
    ['yaml syntax', 'checks: [', '(yaml)', /flow sequence|Missing/i],
    ['no checks key', 'alertGroups: {}', 'checks', /required/],
    [
      'an unknown top-level key',
      'alertGroups: {a: {channels: [{log: {}}]}}\ncheckS: []',
      'checkS',
      /unknown key/,
    ],
    ['unknown service', 'checks: [{name: a, service: gopher}]', 'checks[0].service', /unknown service/],
    ['bad duration', 'checks: [{name: a, port: 1, interval: soon}]', 'checks[0].interval', /duration/],
    ['missing alert group', 'checks: [{name: a, port: 1}]', 'checks[0].alertGroup', /no alert group/],
    [
      'both port and service',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1, service: smtp}]',
      'checks[0].service',
      /not both/,
    ],
    [
      'duplicate names',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1}, {name: A, port: 2}]',
      'checks[1].name',
      /also used/,
    ],
    [
      'bad escape',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1, send: "x\\\\q"}]',
      'checks[0].send',
      /unknown escape/,
    ],
    [
      'email with a port out of range',
      'alertGroups: {g: {channels: [{email: {to: x@y.example, from: a@b.example, smtp: {host: h, port: 0}}}]}}\nchecks: []',
      'alertGroups.g.channels[0].email.smtp.port',
      /a port is 1-65535/,
    ],
    [
      'email with a username and no password',
      'alertGroups: {g: {channels: [{email: {to: x@y.example, from: a@b.example, smtp: {host: h, username: u}}}]}}\nchecks: []',
      'alertGroups.g.channels[0].email.smtp.password',
      /username and password go together/,
    ],
    [
      'email subject with an unknown placeholder',
      'alertGroups: {g: {channels: [{email: {to: x@y.example, from: a@b.example, subject: "{severity}", smtp: {host: h}}}]}}\nchecks: []',
      'alertGroups.g.channels[0].email.subject',
      /unknown placeholder; known: \{status\} \{check\} \{agent\} \{reason\} \{group\}/,
    ],
    [
      'webhook without URL',
      'alertGroups: {g: {channels: [{webhook: {url: "ftp://x"}}]}}\nchecks: []',
      'alertGroups.g.channels[0]',
      /./,
    ],
    [
      'a firewall check with an unknown mode',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: fw, firewall: {mode: fix}}]',
      'checks[0].firewall.mode',
      /expected off, notify, enable, enable-or-reboot/,
    ],
    [
      'an unknown firewall profile',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: fw, firewall: {profiles: [work]}}]',
      'checks[0].firewall.profiles[0]',
      /expected domain, private, public/,
    ],
    [
      'an unknown firewall provider',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: fw, firewall: {provider: pf}}]',
      'checks[0].firewall.provider',
      /expected auto, powershell/,
    ],
    [
      'an unknown key under firewall',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: fw, firewall: {mode: enable, reboot: true}}]',
      'checks[0].firewall.reboot',
      /unknown key/,
    ],
    [
      'a port key on a firewall check',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: fw, port: 80, firewall: {}}]',
      'checks[0].port',
      /for port checks, not firewall checks/,
    ],
    [
      'a response on a firewall check',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: fw, firewall: {mode: notify}, response: {reboot: true}}]',
      'checks[0].response',
      /mode implies its response/,
    ],
    [
      'an empty response',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1, response: {}}]',
      'checks[0].response',
      /name a response/,
    ],
    [
      'two responses at once',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1, response: {restartService: nginx, reboot: true}}]',
      'checks[0].response',
      /one response per check/,
    ],
    [
      'an unknown key under response',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1, response: {restartServce: nginx}}]',
      'checks[0].response.restartServce',
      /unknown key/,
    ],
    [
      'a service name with a shell metacharacter',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1, response: {restartService: "nginx; reboot"}}]',
      'checks[0].response.restartService',
      /use letters, digits/,
    ],
    [
      'a relative program path',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1, response: {runProgram: {path: heal.sh}}}]',
      'checks[0].response.runProgram.path',
      /absolute path/,
    ],
    [
      'a program path with ..',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1, response: {runProgram: {path: /usr/../bin/sh}}}]',
      'checks[0].response.runProgram.path',
      /\. or \.\. segments/,
    ],
    [
      'reboot: false',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1, response: {reboot: false}}]',
      'checks[0].response.reboot',
      /reboot: true/,
    ],
    [
      'a timeout beside runProgram',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1, response: {runProgram: {path: /bin/heal}, timeout: 5s}}]',
      'checks[0].response.timeout',
      /goes with restartService/,
    ],
    [
      // "Billion laughs": nine levels of nine aliases would expand to 387 million nodes.
      'a YAML alias bomb',
      yamlAliasBomb(),
      '(yaml)',
      /^aliases expand to too much data .*: write the values out$/,
    ],
    ['an alias before its anchor', 'checks: [*web]', '(yaml)', /alias \*web comes before its anchor/],
    [
      'a policy over 1 MiB',
      `checks: []\n${'#'.repeat(1024 * 1024)}`,
      '(root)',
      /^is over 1048576 bytes \(1 MiB\)/,
    ],
    // Zod's own wording, in the policy's words.
    [
      'a threshold below 1',
      'defaults: {failuresBeforeAlert: 0}\nchecks: []',
      'defaults.failuresBeforeAlert',
      /^must be at least 1$/,
    ],
    ['a quoted port', 'checks: [{name: a, port: "80"}]', 'checks[0].port', /^expected a number, got "80"$/],
    [
      'a port left empty',
      'checks: [{name: a, port: }]',
      'checks[0].port',
      /^expected a number, got nothing$/,
    ],
    [
      'a fractional threshold',
      'checks: [{name: a, failuresBeforeAlert: 1.5}]',
      'checks[0].failuresBeforeAlert',
      /^expected a whole number, got 1.5$/,
    ],
    [
      'successesBeforeResolve 0',
      'checks: [{name: a, successesBeforeResolve: 0}]',
      'checks[0].successesBeforeResolve',
      /^must be at least 1$/,
    ],
    [
      'successesBeforeResolve over 1000',
      'defaults: {successesBeforeResolve: 1001}\nchecks: []',
      'defaults.successesBeforeResolve',
      /^must be at most 1000$/,
    ],
    [
      'a fractional successesBeforeResolve',
      'checks: [{name: a, successesBeforeResolve: 2.5}]',
      'checks[0].successesBeforeResolve',
      /^expected a whole number, got 2.5$/,
    ],
    [
      'flapping without a window',
      'checks: [{name: a, flapping: {changes: 3}}]',
      'checks[0].flapping.window',
      /is required/,
    ],
    [
      'flapping with one change allowed',
      'defaults: {flapping: {changes: 1, window: 10m}}\nchecks: []',
      'defaults.flapping.changes',
      /^must be at least 2$/,
    ],
    [
      'flapping with a window of a week',
      'checks: [{name: a, flapping: {changes: 3, window: 7d}}]',
      'checks[0].flapping.window',
      /^a flapping window is 1s-1d$/,
    ],
    [
      'flapping with a window that is not a duration',
      'checks: [{name: a, flapping: {changes: 3, window: often}}]',
      'checks[0].flapping.window',
      /duration/,
    ],
    [
      'an unknown key under flapping',
      'checks: [{name: a, flapping: {changes: 3, window: 10m, after: 1m}}]',
      'checks[0].flapping.after',
      /unknown key/,
    ],
    [
      'a flapping window too short for the interval',
      'defaults: {alertGroup: g}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1, interval: 2m, flapping: {changes: 5, window: 10m}}]',
      'checks[0].flapping.window',
      /^window 10m can never see 6 changes of a check run every 2m: make it longer than 10m$/,
    ],
    [
      "a defaults flapping window too short for a check's interval",
      'defaults: {alertGroup: g, flapping: {changes: 5, window: 10m}}\nalertGroups: {g: {channels: [{log: {}}]}}\nchecks: [{name: a, port: 1, interval: 5m}]',
      'checks[0].interval',
      /^defaults.flapping.window 10m can never see 6 changes/,
    ],
    ['checks as a mapping', 'checks: {web: 80}', 'checks', /^expected a list, got a mapping$/],
    ['an empty host', "checks: [{name: a, host: ''}]", 'checks[0].host', /^must not be empty$/],
    [
      'a long name',
      `checks: [{name: ${'x'.repeat(201)}}]`,
      'checks[0].name',
      /^must be at most 200 characters long$/,
    ],
    [
      'groupWait without groupBy',
      'alertGroups: {g: {channels: [{log: {}}], groupWait: 30s}}\nchecks: []',
      'alertGroups.g.groupWait',
      /^groupWait needs groupBy$/,
    ],
    [
      'an empty groupBy',
      'alertGroups: {g: {channels: [{log: {}}], groupBy: []}}\nchecks: []',
      'alertGroups.g.groupBy',
      /^name at least one of agent, check or a label/,
    ],
    [
      'a name twice in groupBy',
      'alertGroups: {g: {channels: [{log: {}}], groupBy: [agent, agent]}}\nchecks: []',
      'alertGroups.g.groupBy',
      /^each name once$/,
    ],
    [
      'a bad groupBy name',
      'alertGroups: {g: {channels: [{log: {}}], groupBy: ["no such"]}}\nchecks: []',
      'alertGroups.g.groupBy',
      /^expected agent, check or a label name$/,
    ],
    [
      'a bad alert group key',
      'alertGroups: {Ops: {channels: [{log: {}}]}}\nchecks: []',
      'alertGroups.Ops',
      /^invalid key: lowercase letters, digits and -$/,
    ],
  ];
  it.each(invalid)('rejects %s', (_why, text, path, message) => {
    const error = rejection(text);
    const match = error.issues.find((i) => i.path === path || i.path.startsWith(path));
    expect(match, JSON.stringify(error.issues)).toBeDefined();
    expect(match!.message).toMatch(message);
    if (path !== '(root)') expect(match!.line, 'a place to look').toBeDefined();
  });

  it.each(invalid)('words %s as the hand-written messages are', (_why, text) => {
    for (const { path, message } of rejection(text).issues.filter((i) => i.path !== '(yaml)'))
      expect(message, path).not.toMatch(/^[A-Z]|Invalid input|Too (small|big)|[<>]=/);
  });
});
