import { describe, expect, it } from 'vitest';
import { findToken } from './auth.js';

const files: Record<string, string> = {
  '/work/.portwarden/admin-token': 'pwt_quickstart\n',
  '/elsewhere/admin-token': 'pwt_moved\n',
};
const read = (file: string) => {
  if (!(file in files)) throw new Error(`ENOENT ${file}`);
  return files[file]!;
};
const QUICKSTART = 'http://127.0.0.1:7480';

describe('findToken', () => {
  it.each([
    // --token or PORTWARDEN_TOKEN wins over everything
    ['given', { token: 'pwt_given', url: QUICKSTART, env: {}, cwd: '/work' }, 'pwt_given'],
    // the quick start's URL: its admin token, found in its state directory
    ['quick start', { url: QUICKSTART, env: {}, cwd: '/work' }, 'pwt_quickstart'],
    // with a trailing slash it is the same URL
    ['quick start/', { url: `${QUICKSTART}/`, env: {}, cwd: '/work' }, 'pwt_quickstart'],
    // PORTWARDEN_HOME moves the quick start's state directory
    ['moved home', { url: QUICKSTART, env: { PORTWARDEN_HOME: '/elsewhere' }, cwd: '/work' }, 'pwt_moved'],
    // another controller: the quick start's token is not sent to it
    ['other url', { url: 'http://10.0.0.5:7480', env: {}, cwd: '/work' }, undefined],
    // no quick start here: no token, and the controller's 401 says what to do
    ['no file', { url: QUICKSTART, env: {}, cwd: '/tmp' }, undefined],
  ])('%s', (_case, sources, expected) => {
    expect(findToken({ ...sources, read })).toBe(expected);
  });
});
