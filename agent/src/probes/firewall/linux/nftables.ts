import { rulesFileProblem } from '../../../system/validate.js';
import { unreadable } from './files.js';
import {
  detectByStatus,
  enableResult,
  failure,
  ProviderUnavailableError,
  runTool,
  succeeded,
  type FirewallProvider,
  type FirewallStatus,
  type ProfileState,
  type ProviderContext,
} from '../provider.js';

export const NFT = {
  list: ['-j', 'list', 'ruleset'],
  load: (file: string) => ['-f', file],
} as const;

/** nftables: read with `nft -j list ruleset`, re-enabled by loading the configured ruleset file. */
export function createNftablesProvider(ctx: ProviderContext): FirewallProvider {
  const nft = async () => {
    const file = await ctx.locate('nft');
    if (!file) throw new ProviderUnavailableError('nft not found');
    return file;
  };
  const status = async (): Promise<FirewallStatus> => {
    const { result, summary } = await runTool(ctx, await nft(), NFT.list);
    if (!succeeded(result)) throw new ProviderUnavailableError(failure(summary));
    const verdict = nftablesVerdict(parseJson(result.stdout.toString('utf8')));
    return { provider: 'nftables', profiles: [{ profile: 'host', ...verdict }], notes: [] };
  };
  return {
    name: 'nftables',
    detect: async () => detectByStatus(await ctx.locate('nft'), 'nft not found', status),
    status: () => status(),
    async enable() {
      const file = ctx.options.nftablesRuleset;
      const problem = rulesFileProblem(file) ?? (await unreadable(file));
      if (problem) return { ok: false, commands: [], detail: `cannot load the nftables ruleset: ${problem}` };
      const { summary } = await runTool(ctx, await nft(), NFT.load(file));
      return enableResult([summary], `nft -f ${file}`);
    },
  };
}

interface NftObject {
  chain?: { family: string; table: string; name: string; hook?: string; type?: string; policy?: string };
  rule?: { family: string; table: string; chain: string; expr?: Record<string, unknown>[] };
}

/**
 * Filtering on input means an `input` hook chain (ip, ip6 or inet) with a drop policy or a final
 * unconditional drop/reject rule. A ruleset without one (Debian's default accept-all, an empty
 * ruleset) does not filter, whatever tables it has.
 */
export function nftablesVerdict(objects: NftObject[]): { state: ProfileState; detail: string } {
  const inputs = objects
    .flatMap((o) => (o.chain ? [o.chain] : []))
    .filter(
      (c) =>
        c.hook === 'input' && ['ip', 'ip6', 'inet'].includes(c.family) && (c.type ?? 'filter') === 'filter',
    );
  if (inputs.length === 0) return { state: 'off', detail: 'no input hook chain' };
  const described = inputs.map((chain) => {
    const where = `${chain.family} ${chain.table} ${chain.name}`;
    if (chain.policy === 'drop') return { filtering: true, text: `${where}: policy drop` };
    const rules = objects.flatMap((o) =>
      o.rule && o.rule.family === chain.family && o.rule.table === chain.table && o.rule.chain === chain.name
        ? [o.rule]
        : [],
    );
    const verdict = terminalVerdict(rules.at(-1)?.expr ?? []);
    if (verdict) return { filtering: true, text: `${where}: final rule ${verdict}` };
    return {
      filtering: false,
      text: `${where}: policy ${chain.policy ?? 'accept'}, no final drop or reject`,
    };
  });
  const filtering = described.filter((d) => d.filtering);
  return filtering.length > 0
    ? { state: 'on', detail: filtering.map((d) => d.text).join('; ') }
    : { state: 'off', detail: described.map((d) => d.text).join('; ') };
}

/** `drop` or `reject` when a rule drops everything that reaches it (counters and logging aside). */
function terminalVerdict(expr: Record<string, unknown>[]): string | undefined {
  const keys = expr.map((statement) => Object.keys(statement)[0] ?? '');
  if (!keys.every((k) => ['counter', 'log', 'drop', 'reject', 'xt'].includes(k))) return undefined;
  const last = expr.at(-1) ?? {};
  if ('drop' in last) return 'drop';
  if ('reject' in last) return 'reject';
  const xt = last.xt as { type?: string; name?: string } | undefined; // iptables-nft's REJECT target
  if (xt?.type === 'target' && (xt.name === 'REJECT' || xt.name === 'DROP')) return xt.name.toLowerCase();
  return undefined;
}

function parseJson(text: string): NftObject[] {
  try {
    const parsed = JSON.parse(text) as { nftables?: NftObject[] };
    if (Array.isArray(parsed.nftables)) return parsed.nftables;
  } catch {
    // reported below
  }
  throw new ProviderUnavailableError(`nft -j printed something other than a ruleset: ${text.slice(0, 80)}`);
}
