import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, PolicyError } from '@portwarden/common/errors';
import { yamlAliasBomb } from '@portwarden/common/testing';
import type { ApiClient } from '../client.js';
import { apply } from './apply.js';

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
