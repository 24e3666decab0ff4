import { describe, expect, it } from 'vitest';
import { QUICKSTART_USAGE, usageAnswer } from './usage.js';

describe('usageAnswer', () => {
  it.each([
    // why: `npm start` with nothing after it starts the quick start
    { argv: [], expected: undefined },
    // why: --help prints the usage and starts nothing
    { argv: ['--help'], expected: { exitCode: 0, stdout: QUICKSTART_USAGE, stderr: '' } },
    // why: -h is the short form, wherever it stands
    { argv: ['x', '-h'], expected: { exitCode: 0, stdout: QUICKSTART_USAGE, stderr: '' } },
  ])('$argv', ({ argv, expected }) => {
    expect(usageAnswer(argv)).toEqual(expected);
  });

  it.each([
    // why: an unknown option is a usage error the user fixes: exit 2, named, nothing started
    { argv: ['--bogus'], named: '--bogus' },
    // why: the quick start takes no operands either
    { argv: ['policy.yaml'], named: 'policy.yaml' },
  ])('refuses $argv with exit 2', ({ argv, named }) => {
    const answer = usageAnswer(argv);
    expect(answer).toMatchObject({ exitCode: 2, stdout: '' });
    expect(answer?.stderr).toContain(`unknown argument "${named}"`);
  });
});
