import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../duration.js';
import { LABEL_KEY_PATTERN } from '../labels.js';
import { CHECK_ID_PATTERN } from '../ids.js';
import { WELL_KNOWN_SERVICES } from '../services.js';
import { FIREWALL_MODES, FIREWALL_PROFILES, PROVIDER_NAMES } from '../firewall.js';
import { coversEverything, MatcherError, parseMatcher, type Matcher } from '../matchers.js';
import { cronProblem, isTimeZone, TIME_OF_DAY_PATTERN, WEEKDAYS } from '../schedule.js';

/**
 * The policy file as users write it. Every object is strict: an unknown key is an error, never
 * silently ignored. Defaults and derived values are filled in by `resolvePolicy`.
 */
const duration = z.string().regex(DURATION_PATTERN, 'expected a duration such as 500ms, 10s, 2m, 1h');
const name = z.string().trim().min(1, 'must not be empty').max(200);
const selector = z.record(z.string().regex(LABEL_KEY_PATTERN, 'invalid label key'), z.string().max(200));

export const webhookChannelSchema = z.strictObject({
  /** Receiver URL; gets Alertmanager-compatible JSON (version "4"). */
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  /** Extra request headers, for example an Authorization header. */
  headers: z.record(z.string(), z.string()).optional(),
  /** @default 10s */
  timeout: duration.optional(),
  /**
   * HMAC-SHA256 key: each request carries `X-Portwarden-Signature: sha256=<hex>` over
   * `<X-Portwarden-Timestamp>.<body>`. A credential: write it as `${secret:NAME}`.
   */
  signingSecret: z.string().min(1, 'must not be empty').optional(),
});

/** PagerDuty Events API v2: a trigger when an incident opens, a resolve when it resolves. */
export const pagerdutyChannelSchema = z.strictObject({
  /** The Events API v2 integration key of a PagerDuty service. A credential. */
  routingKey: z.string().min(1, 'must not be empty'),
  /** @default https://events.pagerduty.com/v2/enqueue (EU: https://events.eu.pagerduty.com/v2/enqueue) */
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
  /** @default 10s */
  timeout: duration.optional(),
});

/** Pushes the alert into a Prometheus Alertmanager through its API v2 (`POST <url>/api/v2/alerts`). */
export const alertmanagerChannelSchema = z.strictObject({
  /** The Alertmanager's base URL, for example http://alertmanager:9093. */
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  /** @default 10s */
  timeout: duration.optional(),
});

/**
 * A URL that is a credential as a whole (a Slack or Teams webhook): `${secret:NAME}`, or an http(s)
 * URL in which references may stand for parts. Checked again, resolved, when sending.
 */
const credentialUrl = z.string().refine((value) => {
  try {
    return /^https?:$/.test(new URL(value.replace(/\$\{secret:[^}]*\}/g, 'x')).protocol);
  } catch {
    return /^\$\{secret:[^}]*\}$/.test(value.trim());
  }
}, 'expected an http:// or https:// URL, or ${secret:NAME}');

/** A Slack incoming webhook; gets a Block Kit message, at most one a second per webhook. */
export const slackChannelSchema = z.strictObject({
  /** `https://hooks.slack.com/services/...`: a credential, best `${secret:NAME}`. */
  url: credentialUrl,
  /** @default 10s */
  timeout: duration.optional(),
});

/** A Microsoft Teams Workflows webhook ("When a Teams webhook request is received"); gets an Adaptive Card. */
export const teamsChannelSchema = z.strictObject({
  /** The workflow's URL, which carries its `sig=`: a credential, best `${secret:NAME}`. */
  url: credentialUrl,
  /** @default 10s */
  timeout: duration.optional(),
});

/** `alerts@example.com` or `Portwarden <alerts@example.com>`, one address. */
const emailAddress = z
  .string()
  .regex(
    /^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/,
    'expected an email address such as alerts@example.com or "Portwarden <alerts@example.com>"',
  );

export const EMAIL_SECURITY = ['starttls', 'tls', 'none'] as const;
/** What an email channel's `subject` may name, as `{status}` (FIRING or RESOLVED) and so on. */
export const EMAIL_SUBJECT_PLACEHOLDERS: readonly string[] = ['status', 'check', 'agent', 'reason', 'group'];

/** Mail through an SMTP server: one thread per incident (the resolved mail replies to the opened one). */
export const emailChannelSchema = z.strictObject({
  /** One address or a list. */
  to: z.union([emailAddress, z.array(emailAddress).min(1, 'needs at least one address')]),
  from: emailAddress,
  /** Subject template; placeholders {status} {check} {agent} {reason} {group}. @default "[{status}] {check} on {agent}: {reason}" */
  subject: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(300)
    .refine(
      (text) => [...text.matchAll(/\{([^{}]*)\}/g)].every((m) => EMAIL_SUBJECT_PLACEHOLDERS.includes(m[1]!)),
      `unknown placeholder; known: ${EMAIL_SUBJECT_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
    )
    .optional(),
  smtp: z
    .strictObject({
      /** Host name or IP address of the SMTP server (the submission server or a relay). */
      host: z.string().trim().min(1, 'must not be empty'),
      /** @default 587 for starttls, 465 for tls, 25 for none */
      port: z.number().int().min(1, 'a port is 1-65535').max(65535, 'a port is 1-65535').optional(),
      /** starttls: the upgrade is required; tls: TLS from the first byte; none: plain text. @default starttls */
      security: z.enum(EMAIL_SECURITY).optional(),
      username: z.string().min(1, 'must not be empty').optional(),
      /** A secret: write it as ${secret:NAME}. */
      password: z.string().min(1, 'must not be empty').optional(),
      /** The whole delivery: connect, TLS, AUTH, message. @default 30s */
      timeout: duration.optional(),
      /** CA certificate(s) trusted instead of the system's: a PEM file path or the PEM text. */
      ca: z.string().trim().min(1, 'must not be empty').optional(),
    })
    .refine((smtp) => (smtp.username === undefined) === (smtp.password === undefined), {
      message: 'username and password go together',
      path: ['password'],
    }),
});

/** Writes notifications to the controller's log; handy for the quick start. */
export const logChannelSchema = z.strictObject({});

export const channelSchema = z.union(
  [
    z.strictObject({ webhook: webhookChannelSchema }),
    z.strictObject({ email: emailChannelSchema }),
    z.strictObject({ slack: slackChannelSchema }),
    z.strictObject({ teams: teamsChannelSchema }),
    z.strictObject({ pagerduty: pagerdutyChannelSchema }),
    z.strictObject({ alertmanager: alertmanagerChannelSchema }),
    z.strictObject({ log: logChannelSchema }),
  ],
  {
    error: (i) =>
      i.code === 'invalid_union'
        ? 'a channel is webhook: { url: ... }, email: { to, from, smtp: { host } }, slack: { url: ... }, teams: { url: ... }, pagerduty: { routingKey: ... }, alertmanager: { url: ... } or log: {}'
        : undefined,
  },
);

export const alertGroupSchema = z.strictObject({
  /** Display name, for example "Critical Errors". @default the group's key */
  name: name.optional(),
  channels: z.array(channelSchema).min(1, 'an alert group needs at least one channel'),
  /**
   * While an incident is open and unacknowledged, its firing is sent again this long after the
   * last one (as Alertmanager's `repeat_interval`). @default 4h
   */
  repeatInterval: duration.optional(),
  /** Ordered steps: an incident still unacknowledged `after` its opening is also sent to group `to`. */
  escalate: z
    .array(z.strictObject({ after: duration, to: z.string().min(1, 'must not be empty') }))
    .max(16)
    .optional(),
  /**
   * Opt-in grouping: firing incidents with the same values of these (`agent`, `check`, or an agent
   * label's name) within `groupWait` become one notification. @default none: each incident at once
   */
  groupBy: z
    .array(z.string().regex(LABEL_KEY_PATTERN, 'expected agent, check or a label name'))
    .min(1, 'name at least one of agent, check or a label, or leave groupBy out')
    .max(10)
    .refine((names) => new Set(names).size === names.length, 'each name once')
    .optional(),
  /** How long a group gathers after its first incident; needs groupBy. @default 30s */
  groupWait: duration.optional(),
});

const serviceNames = Object.keys(WELL_KNOWN_SERVICES) as [string, ...string[]];

/** One text or a list of texts to find in what the server sends. */
const texts = z.union(
  [
    z.string().min(1, 'must not be empty').max(1024),
    z.array(z.string().min(1, 'must not be empty').max(1024)).min(1, 'must not be empty').max(16),
  ],
  {
    error: (i) => (i.code === 'invalid_union' ? 'expected a text or a list of at most 16 texts' : undefined),
  },
);
const expectMode = z.enum(['all', 'any'], { error: 'expected all or any' });

/**
 * One item of `steps:`: either `{send: text}` or an expectation (`expect`, `expectRegex`, or
 * both, with its own `expectMode` / `ignoreCase`). Which keys go together is checked by resolve,
 * so that the error names the item.
 */
export const stepSchema = z.strictObject({
  send: z.string().max(4096).optional(),
  expect: texts.optional(),
  expectRegex: texts.optional(),
  expectMode: expectMode.optional(),
  ignoreCase: z.boolean().optional(),
});

/** `firewall:` on a check makes it a firewall check. */
export const firewallSchema = z.strictObject({
  /** off, notify, enable, enable-or-reboot. @default notify */
  mode: z.enum(FIREWALL_MODES, { error: `expected ${FIREWALL_MODES.join(', ')}` }).optional(),
  /** Windows profiles that must be on. @default all three */
  profiles: z
    .array(z.enum(FIREWALL_PROFILES, { error: `expected ${FIREWALL_PROFILES.join(', ')}` }))
    .min(1, 'name at least one profile, or leave profiles out for all')
    .max(FIREWALL_PROFILES.length)
    .optional(),
  /** Which tool reads and sets the firewall. @default auto */
  provider: z
    .enum(['auto', ...PROVIDER_NAMES], { error: `expected auto, ${PROVIDER_NAMES.join(', ')}` })
    .optional(),
});

/**
 * `response:` on a port check: what the agent does by itself when the check reaches its
 * threshold, if the agent's local config allows it. Exactly one of restartService, runProgram,
 * reboot; resolve checks that, so that the error names the key.
 */
export const responseSchema = z.strictObject({
  /** A service (systemd unit, Windows service) to restart. */
  restartService: z.string().max(256).optional(),
  /** How long the restart may take. @default 60s */
  timeout: duration.optional(),
  /** A program to run, by absolute path, with its arguments passed verbatim. */
  runProgram: z
    .strictObject({
      path: z.string().max(1024),
      args: z
        .array(z.string().max(32 * 1024))
        .max(256)
        .optional(),
      /** @default 60s */
      timeout: duration.optional(),
    })
    .optional(),
  /** Reboot the server, through the agent's reboot guard. */
  reboot: z.literal(true, { error: 'write reboot: true, or leave it out' }).optional(),
});

/** The shortest and longest flapping window, in milliseconds. */
export const FLAPPING_WINDOW_MS = { min: 1_000, max: 86_400_000 } as const;

/**
 * Flap detection: a check whose incident opens or resolves more than `changes` times within
 * `window` is flapping: one notification says so, then it is quiet until it is stable.
 */
export const flappingSchema = z.strictObject({
  /** State changes (opened, resolved) allowed within the window; one more is flapping. 2-100. */
  changes: z.number().int().min(2).max(100),
  /** How far back changes count, and how long a flapping check must stay unchanged. 1s-1d. */
  window: duration.refine((text) => {
    if (!DURATION_PATTERN.test(text.trim())) return true; // the pattern's own message says it
    const windowMs = parseDuration(text);
    return windowMs >= FLAPPING_WINDOW_MS.min && windowMs <= FLAPPING_WINDOW_MS.max;
  }, 'a flapping window is 1s-1d'),
});

export const checkSchema = z.strictObject({
  /** Shown in every alert, page and log line ("Refer to this check as"). */
  name,
  /** Stable id. @default derived from name */
  id: z.string().regex(CHECK_ID_PATTERN, 'lowercase letters, digits and -').optional(),
  /** @default 127.0.0.1 (this server) */
  host: z.string().trim().min(1).max(253).optional(),
  port: z.number().int().min(1, 'a port is 1-65535').max(65535, 'a port is 1-65535').optional(),
  service: z.enum(serviceNames, { error: `unknown service; known: ${serviceNames.join(', ')}` }).optional(),
  /** Address families a name may resolve to. @default auto */
  family: z.enum(['auto', 'ipv4', 'ipv6'], { error: 'expected auto, ipv4 or ipv6' }).optional(),
  /** Which resolved addresses to probe. @default first */
  addresses: z.enum(['first', 'all', 'any'], { error: 'expected first, all or any' }).optional(),
  /** Text sent after connecting; escapes \r \n \t \\ \xHH. */
  send: z.string().max(4096).optional(),
  /** Append CR/LF to the end of each command. @default false */
  crlf: z.boolean().optional(),
  /** Append one more CR/LF after the last command. @default false */
  extraCrlf: z.boolean().optional(),
  /** Substring(s) expected in the greeting or the reply. */
  expect: texts.optional(),
  /** Regular expression(s) expected in the greeting or the reply. */
  expectRegex: texts.optional(),
  /** With several texts or regexes: must all be found, or one? @default all */
  expectMode: expectMode.optional(),
  /** Compare texts and regexes ignoring ASCII case. @default false */
  ignoreCase: z.boolean().optional(),
  /** A multi-step dialogue instead of send/expect. */
  steps: z.array(stepSchema).min(1, 'must not be empty').max(32).optional(),
  /** Text sent before closing politely; escapes as in send. */
  quit: z.string().min(1, 'must not be empty').max(1024).optional(),
  /** @default 4096 */
  maxBytes: z
    .number()
    .int()
    .min(1, 'maxBytes is 1-1048576')
    .max(1024 * 1024, 'maxBytes is 1-1048576')
    .optional(),
  interval: duration.optional(),
  timeout: duration.optional(),
  connectTimeout: duration.optional(),
  /** A passing probe slower than this fails with reason slow. */
  slowAfter: duration.optional(),
  /** Implicit TLS. @default false */
  tls: z.boolean().optional(),
  starttls: z.enum(['smtp', 'imap', 'pop3', 'ftp'], { error: 'expected smtp, imap, pop3 or ftp' }).optional(),
  /** @default the host when it is a name */
  sni: z.string().trim().max(253).optional(),
  /** @default true */
  tlsVerify: z.boolean().optional(),
  /** PEM file on the agent's machine. @default the system's roots */
  caFile: z.string().min(1, 'must not be empty').max(4096).optional(),
  certExpiresWithin: duration.optional(),
  /** The port must not accept connections. @default false */
  expectClosed: z.boolean().optional(),
  /** Attach the transcript to passing results too. @default false */
  transcript: z.boolean().optional(),
  /** "No. Errors": consecutive failures before an incident opens. */
  failuresBeforeAlert: z.number().int().min(1).max(1000).optional(),
  /** Consecutive successes before an open incident resolves. @default 1 */
  successesBeforeResolve: z.number().int().min(1).max(1000).optional(),
  /** Flap detection. @default off */
  flapping: flappingSchema.optional(),
  alertGroup: z.string().optional(),
  /** @default true */
  enabled: z.boolean().optional(),
  /** Label selector; omitted means every agent. */
  agents: selector.optional(),
  /** A firewall check instead of a port check. */
  firewall: firewallSchema.optional(),
  /** What the agent does when a port check reaches its threshold. */
  response: responseSchema.optional(),
});

export const defaultsSchema = z.strictObject({
  /** @default 2m */
  interval: duration.optional(),
  /** @default 10s */
  timeout: duration.optional(),
  /** @default the timeout */
  connectTimeout: duration.optional(),
  /** @default 1 */
  failuresBeforeAlert: z.number().int().min(1).max(1000).optional(),
  /** @default 1 */
  successesBeforeResolve: z.number().int().min(1).max(1000).optional(),
  /** @default off */
  flapping: flappingSchema.optional(),
  alertGroup: z.string().optional(),
});

/** "Agent unreachable": how long an agent may stay silent, and whom to tell. */
export const livenessSchema = z.strictObject({
  /** Silence after which an agent is unreachable. @default 30s (3 missed heartbeats of 10 s) */
  after: duration.optional(),
  /** @default defaults.alertGroup */
  alertGroup: z.string().optional(),
});

/** When a maintenance window starts: on weekdays at a time, or a five-field cron expression. */
export const maintenanceScheduleSchema = z.union(
  [
    z.strictObject({
      weekly: z.strictObject({
        days: z
          .array(z.enum(WEEKDAYS, { error: `expected ${WEEKDAYS.join(', ')}` }))
          .min(1, 'name at least one day'),
        /** Local time in the window's time zone, 24-hour. */
        at: z.string().regex(TIME_OF_DAY_PATTERN, 'expected a time of day such as 02:00 (24-hour)'),
      }),
    }),
    z.strictObject({
      /** minute hour day-of-month month day-of-week, in the window's time zone. */
      cron: z.string().superRefine((cron, ctx) => {
        const problem = cronProblem(cron);
        if (problem) ctx.addIssue({ code: 'custom', message: `invalid cron expression: ${problem}` });
      }),
    }),
  ],
  {
    error: (i) =>
      i.code === 'invalid_union'
        ? 'a schedule is weekly: { days: [mon, ...], at: "02:00" } or cron: "0 2 * * 0"'
        : undefined,
  },
);

/** One matcher as silences take it (`agent=~db-.*`); the message is the parser's. */
const matcherText = z.string().superRefine((text, ctx) => {
  try {
    parseMatcher(text);
  } catch (err) {
    if (!(err instanceof MatcherError)) throw err;
    ctx.addIssue({ code: 'custom', message: `${err.message}; ${err.hint ?? ''}` });
  }
});

/** A recurring window in which matching incidents are recorded and their notifications held. */
export const maintenanceSchema = z
  .strictObject({
    /** Shown in the notification log (`maintenance <name>`) and the release notice. */
    name,
    schedule: maintenanceScheduleSchema,
    /** How long each window lasts from its start (elapsed time, across DST changes too). */
    duration,
    /** IANA time zone the schedule is read in. @default UTC */
    timeZone: z
      .string()
      .refine(isTimeZone, 'unknown time zone: use an IANA name such as Europe/Berlin or UTC')
      .optional(),
    /** Which incidents it covers: `check=ID`, `agent=~db-.*`, `alertgroup=ops`, `role=db`. */
    matchers: z.array(matcherText).min(1, 'give at least one matcher, e.g. agent=~db-.*'),
  })
  .superRefine(({ matchers }, ctx) => {
    const parsed: Matcher[] = [];
    for (const text of matchers) {
      try {
        parsed.push(parseMatcher(text));
      } catch {
        return; // reported on the matcher itself
      }
    }
    if (coversEverything(parsed))
      ctx.addIssue({
        code: 'custom',
        path: ['matchers'],
        message: 'these matchers match every alert; add one that names something, e.g. agent=~.+',
      });
  });

export const policySchema = z.strictObject({
  defaults: defaultsSchema.optional(),
  liveness: livenessSchema.optional(),
  alertGroups: z
    .record(z.string().regex(CHECK_ID_PATTERN, 'lowercase letters, digits and -'), alertGroupSchema)
    .optional(),
  checks: z.array(checkSchema).max(10_000),
  /** Recurring maintenance windows (silences written in the policy). */
  maintenance: z
    .array(maintenanceSchema)
    .max(1000)
    .superRefine((windows, ctx) => {
      const seen = new Map<string, number>();
      windows.forEach((window, index) => {
        const first = seen.get(window.name);
        if (first !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [index, 'name'],
            message: `maintenance window "${window.name}" is also maintenance[${first}]`,
          });
        else seen.set(window.name, index);
      });
    })
    .optional(),
});

export type PolicyDocument = z.infer<typeof policySchema>;
export type CheckDocument = z.infer<typeof checkSchema>;
export type StepDocument = z.infer<typeof stepSchema>;
export type FirewallDocument = z.infer<typeof firewallSchema>;
export type FlappingDocument = z.infer<typeof flappingSchema>;
export type ResponseDocument = z.infer<typeof responseSchema>;
export type ChannelDocument = z.infer<typeof channelSchema>;
export type MaintenanceDocument = z.infer<typeof maintenanceSchema>;
export type AlertGroupDocument = z.infer<typeof alertGroupSchema>;
export type WebhookChannelConfig = z.infer<typeof webhookChannelSchema>;
export type EmailChannelConfig = z.infer<typeof emailChannelSchema>;
export type SlackChannelConfig = z.infer<typeof slackChannelSchema>;
export type TeamsChannelConfig = z.infer<typeof teamsChannelSchema>;
export type PagerdutyChannelConfig = z.infer<typeof pagerdutyChannelSchema>;
export type AlertmanagerChannelConfig = z.infer<typeof alertmanagerChannelSchema>;
