import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, PolicyError } from '@portwarden/common/errors';
import { yamlAliasBomb } from '@portwarden/common/testing';
import type { ApiClient } from '../client.js';
import { fakeClient } from '../testing/fake-client.js';
import { apply, exactDuration, policyFile } from './apply.js';

const GOOD =
  'alertGroups: { ops: { channels: [{ log: {} }] } }\nchecks: [{ name: web, port: 80, alertGroup: ops }]\n';

/** A controller that answers every PUT with `answer`, and remembers the bodies. */
function controller(answer: unknown) {
  const sent: string[] = [];
  const client = {
    put: async (_path: string, body: string) => (sent.push(body), answer),
  } as unknown as ApiClient;
  return { client, sent };
}

describe('portwarden apply', () => {
  let dir: string;
  const file = (name: string, text: string) => writeFile(join(dir, name), text).then(() => join(dir, name));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pw-apply-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('says so when the controller kept the revision in force', async () => {
    const { client } = controller({ revision: 3, checks: 1, unchanged: true });
    const printed: string[] = [];
    await apply(client, { file: await file('same.yaml', GOOD) }, (line) => printed.push(line));
    expect(printed).toEqual(['policy unchanged: revision 3 stays in force, 1 checks']);
  });

  it('prints a new revision as before', async () => {
    const { client, sent } = controller({ revision: 4, checks: 1, unchanged: false });
    const printed: string[] = [];
    await apply(client, { file: await file('new.yaml', GOOD) }, (line) => printed.push(line));
    expect(printed).toEqual(['policy applied: revision 4, 1 checks']);
    expect(sent).toEqual([GOOD]);
  });

  it('prints the warnings of the answer, one per line', async () => {
    const warnings = [
      {
        path: 'alertGroups.ops.channels[0].webhook.url',
        line: 5,
        message: 'looks like a literal credential',
      },
    ];
    const { client } = controller({ revision: 5, checks: 1, unchanged: false, warnings });
    const printed: string[] = [];
    await apply(client, { file: await file('warn.yaml', GOOD) }, (line) => printed.push(line));
    expect(printed).toEqual([
      'policy applied: revision 5, 1 checks',
      'warning: alertGroups.ops.channels[0].webhook.url (line 5): looks like a literal credential',
    ]);
  });

  it('--dry-run asks the controller to validate, prints the table and applies nothing', async () => {
    const { client, requests } = fakeClient({
      checks: 1,
      alertGroups: 1,
      warnings: [],
      firstPage: [
        {
          checkId: 'web',
          name: 'web',
          alertGroup: 'ops',
          intervalMs: 120_000,
          failuresBeforeAlert: 1,
          timeoutMs: 10_000,
          groupWaitMs: 0,
          firstPageMs: 130_000,
          enabled: false,
        },
      ],
    });
    const printed: string[] = [];
    await apply(client, { file: await file('dry.yaml', GOOD), dryRun: true }, (line) => printed.push(line));
    expect(requests).toEqual([{ method: 'POST', path: '/api/v1/policy/validate', body: GOOD }]);
    expect(printed.join('\n').split('\n')).toEqual([
      'policy valid: 1 checks, 1 alert groups (not applied)',
      '',
      'CHECK   NAME   ALERT GROUP   INTERVAL   FAILURES   TIMEOUT   GROUPWAIT   TIME TO FIRST PAGE',
      'web     web    ops           2m         1          10s       -           2m10s (disabled)',
    ]);
  });

  // [millis, text, why]
  const durations: [number, string, string][] = [
    [230_000, '3m50s', 'exact: ms() would round it to 4m'],
    [3_600_000, '1h', 'whole units alone'],
    [1_500, '1s500ms', 'milliseconds kept'],
    [0, '0s', 'nothing is 0s, not empty'],
  ];
  it.each(durations)('writes %i ms as %s (%s)', (millis, text) => {
    expect(exactDuration(millis)).toBe(text);
  });

  // [argument, -f, file or error, why]
  const files: [string | undefined, string | undefined, string | RegExp, string][] = [
    ['p.yaml', undefined, 'p.yaml', 'apply FILE, as the issue writes it'],
    [undefined, 'p.yaml', 'p.yaml', 'apply -f FILE, as before'],
    ['p.yaml', 'p.yaml', 'p.yaml', 'the same file twice is one file'],
    ['a.yaml', 'b.yaml', /two policy files/, 'two files: which one?'],
    [undefined, undefined, /no policy file/, 'none at all'],
  ];
  it.each(files)('policyFile(%s, -f %s) -> %s (%s)', (argument, flag, expected) => {
    if (typeof expected === 'string') expect(policyFile(argument, flag)).toBe(expected);
    else expect(() => policyFile(argument, flag)).toThrow(expected);
  });

  // [why, file content or undefined for a missing file, the error, its text]
  const refused: [string, string | undefined, new (...args: never[]) => Error, RegExp][] = [
    [
      'a YAML alias bomb',
      yamlAliasBomb(),
      PolicyError,
      /\(yaml\) \(line 2\): aliases expand to too much data/,
    ],
    ['a file over 1 MiB', `checks: []\n${'#'.repeat(2 * 1024 * 1024)}`, PolicyError, /is over 1048576 bytes/],
    ['a missing file', undefined, ConfigError, /cannot read .*missing\.yaml: ENOENT/],
  ];
  it.each(refused)(
    'refuses %s before sending anything, with a typed error',
    async (why, text, type, message) => {
      const { client, sent } = controller({});
      const path = text === undefined ? join(dir, 'missing.yaml') : await file(`${why}.yaml`, text);
      const error = await apply(client, { file: path }, () => undefined).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
      expect(sent).toEqual([]);
    },
  );
});
