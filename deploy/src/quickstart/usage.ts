/** What `npm start -- --help` (or `portwarden-quickstart --help`) prints; it starts nothing. */
export const QUICKSTART_USAGE = `Usage: npm start  (or: node deploy/dist/quickstart/main.js)

Portwarden quick start: a controller on an embedded PostgreSQL (PGlite, under ./.portwarden/),
in-process notifications, the example policy and a local agent, all on loopback.

Options:
  -h, --help          print this help and start nothing

Environment:
  DATABASE_URL                     an external PostgreSQL instead of the embedded one
  REDIS_URL                        deliver notifications through BullMQ on this Redis
  PORTWARDEN_REDIS_PREFIX          key prefix in Redis (default: portwarden)
  PORTWARDEN_HTTP_LISTEN           HTTP API address (default: 127.0.0.1:7480)
  PORTWARDEN_GRPC_LISTEN           agent gRPC address (default: 127.0.0.1:7443)
  PORTWARDEN_HOME                  state directory (default: ./.portwarden)
  PORTWARDEN_HTTP_INSECURE_PUBLIC, PORTWARDEN_ALLOW_REDIS_EVICTION, PORTWARDEN_ALLOW_UNVERIFIED_DB_TLS
                                   =1: as the controller's flags of the same names
`;

export interface UsageAnswer {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The quick start takes no arguments but `--help`: an answer when the arguments ask for help or
 * are wrong (exit 2, a problem the user fixes), undefined when it should start.
 */
export function usageAnswer(argv: readonly string[]): UsageAnswer | undefined {
  if (argv.length === 0) return undefined;
  if (argv.some((a) => a === '-h' || a === '--help'))
    return { exitCode: 0, stdout: QUICKSTART_USAGE, stderr: '' };
  return {
    exitCode: 2,
    stdout: '',
    stderr: `portwarden quick start: unknown argument "${argv[0]}"\n  hint: it takes none; settings come from the environment (--help lists them)\n`,
  };
}
