/**
 * The words of the agent-controller contract: each protobuf enum of `agent.proto` and the word the
 * code uses for each of its values, written once here and used by both the agent and the
 * controller. A table maps word -> wire value; the way back is derived from it, never written again.
 *
 * Reading a wire value has two flavours, and this is the one place they differ:
 * - strict, `decode(value)`: the controller reading a report. UNSPECIFIED (0) and any value this
 *   build does not know are no word (`undefined`); the caller refuses the message.
 * - with a default, `decode(value, { unspecified })`: the agent reading a pushed config. proto3
 *   sends 0 for a field the controller left unset, so 0 reads as the agent's default (`notify`,
 *   `first`, `all`); a value this build does not know is still no word, and the agent refuses the
 *   config (a newer controller's value).
 *
 * Where UNSPECIFIED has a meaning of its own (`auto`, `none`), the table names it, and both
 * flavours read 0 as that word.
 */
import type {
  FirewallMode as FirewallModeWord,
  FirewallProfile as FirewallProfileWord,
  ProfileName,
  ProfileState,
  ProviderChoice,
  ProviderName,
  ResponseKind as ResponseKindWord,
  ResponseStatus as ResponseStatusWord,
  ResponseVerdict as ResponseVerdictWord,
} from '@portwarden/common/firewall';
import type { ResolvedExpectation, ResolvedPortCheck } from '@portwarden/common/policy/resolved';
import type { TranscriptDirection as TranscriptDirectionWord } from '@portwarden/common/transcript';
import {
  AddressFamily,
  AddressMode,
  FirewallMode,
  FirewallProfile,
  FirewallProvider,
  FirewallState,
  MatchMode,
  Outcome,
  ResponseKind,
  ResponseStatus,
  ResponseVerdict,
  StartTls,
  TranscriptDirection,
} from '../../gen/portwarden/agent/v1/agent.js';

/** One enum's words, both ways. */
export class WireWords<W extends string, E extends number> {
  /** Word -> wire value: the table as written. */
  readonly wire: Readonly<Record<W, E>>;
  /** Every word, in the table's order. */
  readonly words: readonly W[];
  private readonly byValue: ReadonlyMap<number, W>;

  constructor(wire: Readonly<Record<W, E>>) {
    this.wire = wire;
    this.words = Object.keys(wire) as W[];
    this.byValue = new Map(this.words.map((word) => [wire[word], word]));
    // Two words for one value would make the way back ambiguous.
    if (this.byValue.size !== this.words.length) throw new Error(`wire words repeat a value: ${this.words}`);
  }

  encode(word: W): E {
    return this.wire[word];
  }

  /** The word for a wire value; `undefined` for a value this build does not know (see above). */
  decode(value: number, options?: { unspecified: W }): W | undefined {
    const word = this.byValue.get(value);
    if (word === undefined && value === 0) return options?.unspecified;
    return word;
  }
}

const words = <W extends string, E extends number>(wire: Readonly<Record<W, E>>) => new WireWords(wire);

export const OUTCOME_WORDS = words<'up' | 'down', Outcome>({
  up: Outcome.OUTCOME_UP,
  down: Outcome.OUTCOME_DOWN,
});

export const TRANSCRIPT_DIRECTION_WORDS = words<TranscriptDirectionWord, TranscriptDirection>({
  sent: TranscriptDirection.TRANSCRIPT_DIRECTION_SENT,
  received: TranscriptDirection.TRANSCRIPT_DIRECTION_RECEIVED,
  note: TranscriptDirection.TRANSCRIPT_DIRECTION_NOTE,
});

// ---- port checks (config: controller -> agent) ----

/** UNSPECIFIED is `auto`: any family. */
export const ADDRESS_FAMILY_WORDS = words<ResolvedPortCheck['family'], AddressFamily>({
  auto: AddressFamily.ADDRESS_FAMILY_UNSPECIFIED,
  ipv4: AddressFamily.ADDRESS_FAMILY_IPV4,
  ipv6: AddressFamily.ADDRESS_FAMILY_IPV6,
});

/** The controller always sends `first` as FIRST; the agent reads UNSPECIFIED as its default. */
export const ADDRESS_MODE_WORDS = words<ResolvedPortCheck['addresses'], AddressMode>({
  first: AddressMode.ADDRESS_MODE_FIRST,
  all: AddressMode.ADDRESS_MODE_ALL,
  any: AddressMode.ADDRESS_MODE_ANY,
});

/** UNSPECIFIED is `none`: no STARTTLS. */
export const START_TLS_WORDS = words<ResolvedPortCheck['starttls'], StartTls>({
  none: StartTls.START_TLS_UNSPECIFIED,
  smtp: StartTls.START_TLS_SMTP,
  imap: StartTls.START_TLS_IMAP,
  pop3: StartTls.START_TLS_POP3,
  ftp: StartTls.START_TLS_FTP,
});

export const MATCH_MODE_WORDS = words<ResolvedExpectation['mode'], MatchMode>({
  all: MatchMode.MATCH_MODE_ALL,
  any: MatchMode.MATCH_MODE_ANY,
});

// ---- firewall checks (config) and firewall reports (results: agent -> controller) ----

export const FIREWALL_MODE_WORDS = words<FirewallModeWord, FirewallMode>({
  off: FirewallMode.FIREWALL_MODE_OFF,
  notify: FirewallMode.FIREWALL_MODE_NOTIFY,
  enable: FirewallMode.FIREWALL_MODE_ENABLE,
  'enable-or-reboot': FirewallMode.FIREWALL_MODE_ENABLE_OR_REBOOT,
});

/** The Windows profiles a check asks for. */
export const FIREWALL_PROFILE_WORDS = words<FirewallProfileWord, FirewallProfile>({
  domain: FirewallProfile.FIREWALL_PROFILE_DOMAIN,
  private: FirewallProfile.FIREWALL_PROFILE_PRIVATE,
  public: FirewallProfile.FIREWALL_PROFILE_PUBLIC,
});

/** The profiles a report names: the Windows ones, or `host` for a Linux firewall. */
export const PROFILE_NAME_WORDS = words<ProfileName, FirewallProfile>({
  ...FIREWALL_PROFILE_WORDS.wire,
  host: FirewallProfile.FIREWALL_PROFILE_HOST,
});

/** The providers a report names; UNSPECIFIED is no word (a report reads it as "none could"). */
export const PROVIDER_NAME_WORDS = words<ProviderName, FirewallProvider>({
  powershell: FirewallProvider.FIREWALL_PROVIDER_POWERSHELL,
  netsh: FirewallProvider.FIREWALL_PROVIDER_NETSH,
  firewalld: FirewallProvider.FIREWALL_PROVIDER_FIREWALLD,
  ufw: FirewallProvider.FIREWALL_PROVIDER_UFW,
  nftables: FirewallProvider.FIREWALL_PROVIDER_NFTABLES,
  iptables: FirewallProvider.FIREWALL_PROVIDER_IPTABLES,
});

/** The provider a check asks for; UNSPECIFIED is `auto`. */
export const PROVIDER_CHOICE_WORDS = words<ProviderChoice, FirewallProvider>({
  auto: FirewallProvider.FIREWALL_PROVIDER_UNSPECIFIED,
  ...PROVIDER_NAME_WORDS.wire,
});

/** A profile's state; a report's Windows firewall service reads running as on, stopped as off. */
export const FIREWALL_STATE_WORDS = words<ProfileState, FirewallState>({
  on: FirewallState.FIREWALL_STATE_ON,
  off: FirewallState.FIREWALL_STATE_OFF,
  unknown: FirewallState.FIREWALL_STATE_UNKNOWN,
});

// ---- response rounds (results) ----

export const RESPONSE_VERDICT_WORDS = words<ResponseVerdictWord, ResponseVerdict>({
  recovered: ResponseVerdict.RESPONSE_VERDICT_RECOVERED,
  failed: ResponseVerdict.RESPONSE_VERDICT_FAILED,
  denied: ResponseVerdict.RESPONSE_VERDICT_DENIED,
  suppressed: ResponseVerdict.RESPONSE_VERDICT_SUPPRESSED,
  rebooting: ResponseVerdict.RESPONSE_VERDICT_REBOOTING,
  none: ResponseVerdict.RESPONSE_VERDICT_NONE,
});

export const RESPONSE_KIND_WORDS = words<ResponseKindWord, ResponseKind>({
  'restart-service': ResponseKind.RESPONSE_KIND_RESTART_SERVICE,
  'run-program': ResponseKind.RESPONSE_KIND_RUN_PROGRAM,
  'firewall-enable': ResponseKind.RESPONSE_KIND_FIREWALL_ENABLE,
  reboot: ResponseKind.RESPONSE_KIND_REBOOT,
});

export const RESPONSE_STATUS_WORDS = words<ResponseStatusWord, ResponseStatus>({
  done: ResponseStatus.RESPONSE_STATUS_DONE,
  failed: ResponseStatus.RESPONSE_STATUS_FAILED,
  denied: ResponseStatus.RESPONSE_STATUS_DENIED,
  suppressed: ResponseStatus.RESPONSE_STATUS_SUPPRESSED,
});
