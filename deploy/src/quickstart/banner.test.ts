import { describe, expect, it } from 'vitest';
import { bannerColor, formatBanner } from './banner.js';
import type { QuickstartInfo } from './quickstart.js';

const embedded: QuickstartInfo = {
  httpUrl: 'http://127.0.0.1:7480',
  httpLoopbackOnly: true,
  adminTokenFile: '/home/me/portwarden/.portwarden/admin-token',
  grpcAddress: '127.0.0.1:7443',
  database: { embedded: true, dataDir: '/home/me/portwarden/.portwarden/pgdata' },
  queue: { redis: false },
  policy: { revision: 1, appliedFrom: '/home/me/portwarden/deploy/quickstart/policy.yaml' },
  agent: {
    name: 'laptop',
    labels: { role: 'quickstart' },
    stateDir: '/home/me/portwarden/.portwarden/agent',
  },
};

/** What a script would do: `Label: value` lines into a map (repeated labels collected). */
function parse(banner: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const match of banner.matchAll(/^([A-Z][\w -]*?): (.+)$/gm)) {
    fields.set(match[1]!, [...(fields.get(match[1]!) ?? []), match[2]!]);
  }
  return fields;
}

describe('formatBanner', () => {
  it('prints the embedded setup as Label: value lines', () => {
    const banner = formatBanner(embedded);
    expect(banner).toMatch(/^Portwarden HTTP API: http:\/\/127\.0\.0\.1:7480$/m);
    expect(Object.fromEntries(parse(banner))).toEqual({
      'Portwarden web UI': ['http://127.0.0.1:7480/ (sign in with the admin token below)'],
      'Portwarden HTTP API': ['http://127.0.0.1:7480'],
      'Portwarden admin token': [
        '/home/me/portwarden/.portwarden/admin-token (keep it secret; it may do everything)',
      ],
      'Portwarden mode': [
        'insecure, loopback only (plaintext gRPC, agents named by their hello, no enrollment): for this machine; see README "Commands" for a controller on a network',
      ],
      'Portwarden agent gRPC': ['127.0.0.1:7443'],
      'Portwarden database': ['embedded PGlite at /home/me/portwarden/.portwarden/pgdata'],
      'Portwarden notifications': ['in-process delivery (no REDIS_URL)'],
      'Portwarden policy': ['revision 1, the example from /home/me/portwarden/deploy/quickstart/policy.yaml'],
      'Portwarden local agent': ['laptop (role=quickstart), state in /home/me/portwarden/.portwarden/agent'],
      Try: [
        'curl -H "Authorization: Bearer $(cat /home/me/portwarden/.portwarden/admin-token)" http://127.0.0.1:7480/api/v1/agents',
        'curl -H "Authorization: Bearer $(cat /home/me/portwarden/.portwarden/admin-token)" http://127.0.0.1:7480/api/v1/checks',
        'npx portwarden get checks',
      ],
      Stop: ['press Ctrl-C'],
    });
  });

  it('names external services by host only, says a kept policy is kept, and gives the CLI a non-default URL', () => {
    const fields = parse(
      formatBanner({
        ...embedded,
        httpUrl: 'http://127.0.0.1:8080',
        database: { embedded: false, where: 'db.example:5432/portwarden' },
        queue: { redis: true, where: 'cache.example:6379' },
        policy: { revision: 7 },
      }),
    );
    expect(fields.get('Portwarden database')).toEqual([
      'PostgreSQL at db.example:5432/portwarden (DATABASE_URL)',
    ]);
    expect(fields.get('Portwarden notifications')).toEqual([
      'BullMQ on Redis at cache.example:6379 (REDIS_URL)',
    ]);
    expect(fields.get('Portwarden policy')).toEqual([
      'revision 7, already in force (the example is applied on the first run only)',
    ]);
    expect(fields.get('Try')).toContain(
      'npx portwarden --url http://127.0.0.1:8080 --token "$(cat /home/me/portwarden/.portwarden/admin-token)" get checks',
    );
  });

  it('stands out: a rule above and below, bold and coloured on a terminal, Label: value lines never coloured', () => {
    const plain = formatBanner(embedded).split('\n');
    const rule = '='.repeat(72);
    expect(plain[1]).toBe(rule);
    expect(plain.at(-2)).toBe(rule);
    const colored = formatBanner(embedded, { color: true });
    expect(colored).toContain(`\x1b[1;36m${rule}\x1b[0m`);
    expect(colored).toMatch(/^Portwarden HTTP API: http:\/\/127\.0\.0\.1:7480$/m);
    expect(parse(colored)).toEqual(parse(formatBanner(embedded)));
  });

  it('says when the HTTP API is exposed beyond loopback', () => {
    const fields = parse(
      formatBanner({ ...embedded, httpUrl: 'http://127.0.0.1:7480', httpLoopbackOnly: false }),
    );
    expect(fields.get('Portwarden mode')?.[0]).toMatch(
      /^insecure .*plain HTTP beyond loopback \(PORTWARDEN_HTTP_INSECURE_PUBLIC\)/,
    );
  });
});

describe('bannerColor', () => {
  // [stdout is a terminal?, NO_COLOR, colour?, why]
  const cases: [boolean | undefined, string | undefined, boolean, string][] = [
    [true, undefined, true, 'a person at a terminal: the banner must stand out among the log lines'],
    [false, undefined, false, 'a pipe or a file: a script reads the Label: value lines'],
    [undefined, undefined, false, 'isTTY is undefined when stdout is not a terminal'],
    [true, '1', false, 'NO_COLOR asks for none'],
  ];
  it.each(cases)('terminal %s, NO_COLOR %s -> %s (%s)', (terminal, noColor, color) => {
    expect(bannerColor(terminal, noColor === undefined ? {} : { NO_COLOR: noColor })).toBe(color);
  });
});
