import { describe, expect, it } from 'vitest';
import { quickstartToken, resolveTarget, type TargetSources } from './auth.js';

const files: Record<string, string> = {
  '/work/.portwarden/admin-token': 'pwt_quickstart\n',
  '/elsewhere/admin-token': 'pwt_moved\n',
};
const read = (file: string) => {
  if (!(file in files)) throw new Error(`ENOENT ${file}`);
  return files[file]!;
};
const QUICKSTART = 'http://127.0.0.1:7480';
const REMOTE = 'https://127.0.0.2:7443';
const LOGGED_IN = { url: REMOTE, token: 'pwt_context', caFingerprint: 'sha256:ab' };
const quick = () => 'pwt_quickstart';

describe('resolveTarget', () => {
  it.each<[string, Omit<TargetSources, 'quickstartToken'>, object]>([
    ['nothing: the quick start', { flags: {}, env: {} }, { url: QUICKSTART, token: 'pwt_quickstart' }],
    [
      'flags win over env',
      {
        flags: { url: 'http://127.0.0.3:1', token: 'pwt_flag' },
        env: { PORTWARDEN_URL: REMOTE, PORTWARDEN_TOKEN: 'pwt_env' },
      },
      { url: 'http://127.0.0.3:1', token: 'pwt_flag' },
    ],
    [
      'env wins over the context',
      {
        flags: {},
        env: { PORTWARDEN_URL: 'http://127.0.0.3:1', PORTWARDEN_TOKEN: 'pwt_env' },
        context: LOGGED_IN,
      },
      { url: 'http://127.0.0.3:1', token: 'pwt_env' },
    ],
    ['the context, with its pin', { flags: {}, env: {}, context: LOGGED_IN }, LOGGED_IN],
    [
      'a token flag against the context URL keeps the pin',
      { flags: { token: 'pwt_flag' }, env: {}, context: LOGGED_IN },
      { url: REMOTE, token: 'pwt_flag', caFingerprint: 'sha256:ab' },
    ],
    [
      'the same URL by env keeps the context token and pin',
      { flags: {}, env: { PORTWARDEN_URL: `${REMOTE}/` }, context: LOGGED_IN },
      { url: `${REMOTE}/`, token: 'pwt_context', caFingerprint: 'sha256:ab' },
    ],
    [
      'another URL never gets the context token',
      { flags: { url: 'https://127.0.0.9:7443' }, env: {}, context: LOGGED_IN },
      { url: 'https://127.0.0.9:7443' },
    ],
    [
      'the quick start URL by flag: its token, not the context one',
      { flags: { url: QUICKSTART }, env: {}, context: LOGGED_IN },
      { url: QUICKSTART, token: 'pwt_quickstart' },
    ],
    [
      'an empty PORTWARDEN_TOKEN counts as none',
      { flags: {}, env: { PORTWARDEN_TOKEN: '' } },
      { url: QUICKSTART, token: 'pwt_quickstart' },
    ],
    [
      'another URL: no quick start token',
      { flags: { url: 'http://10.0.0.5:7480' }, env: {} },
      { url: 'http://10.0.0.5:7480' },
    ],
  ])('%s', (_case, sources, expected) => {
    expect(resolveTarget({ ...sources, quickstartToken: quick })).toEqual(expected);
  });
});

describe('quickstartToken', () => {
  it.each([
    // the quick start's state directory under the working directory
    ['quick start', {}, '/work', 'pwt_quickstart'],
    // PORTWARDEN_HOME moves the quick start's state directory
    ['moved home', { PORTWARDEN_HOME: '/elsewhere' }, '/work', 'pwt_moved'],
    // no quick start here: no token, and the controller's 401 says what to do
    ['no file', {}, '/tmp', undefined],
  ])('%s', (_case, env, cwd, expected) => {
    expect(quickstartToken(env, cwd, read)).toBe(expected);
  });
});
