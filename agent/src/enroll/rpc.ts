import { credentials, Metadata, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import {
  AgentServiceClient,
  type EnrollRequest,
  type EnrollResponse,
  type RenewRequest,
  type RenewResponse,
} from '@portwarden/proto/agent/v1';
import { EnrollError } from './errors.js';

/** Statuses that say the request itself is refused: trying again, here or elsewhere, will not help. */
const FINAL: ReadonlySet<number> = new Set([
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
  status.ALREADY_EXISTS,
  status.INVALID_ARGUMENT,
  status.FAILED_PRECONDITION,
  status.UNIMPLEMENTED,
]);

type Call = 'enroll' | 'renew';
type Request<C extends Call> = C extends 'enroll' ? EnrollRequest : RenewRequest;
type Response<C extends Call> = C extends 'enroll' ? EnrollResponse : RenewResponse;

/** One unary call on a channel of its own, closed afterwards. Failures become EnrollErrors. */
export function unary<C extends Call>(
  call: C,
  address: string,
  creds: ChannelCredentials,
  request: Request<C>,
  timeoutMs: number,
): Promise<Response<C>> {
  const client = new AgentServiceClient(address, creds);
  const deadline = new Date(Date.now() + timeoutMs);
  return new Promise<Response<C>>((resolve, reject) => {
    const done = (err: ServiceError | null, value?: Response<C>) => {
      client.close();
      if (err) reject(asEnrollError(err, call));
      else resolve(value!);
    };
    if (call === 'enroll')
      client.enroll(request as EnrollRequest, new Metadata(), { deadline }, done as never);
    else client.renew(request as RenewRequest, new Metadata(), { deadline }, done as never);
  });
}

function asEnrollError(err: ServiceError, call: Call): EnrollError {
  const final = FINAL.has(err.code);
  const hint =
    call === 'enroll'
      ? err.code === status.ALREADY_EXISTS
        ? 'revoke the old agent first (portwarden agents revoke NAME), or choose another --name'
        : 'create a new token with `portwarden token create` and pass it with --enroll-token'
      : 'enroll the agent again: remove the tls directory in its state directory and pass --enroll-token';
  return new EnrollError(
    `${call} refused by the controller: ${err.details || err.message}`,
    final ? hint : undefined,
    {
      cause: err,
      final,
    },
  );
}

/** Server-authenticated TLS: only `caPem` is trusted; the server's name must match the address. */
export const serverAuthenticated = (caPem: string) => credentials.createSsl(Buffer.from(caPem));

/** Mutual TLS with the agent's key and certificate. */
export const mutual = (identity: { caPem: string; keyPem: string; certPem: string }) =>
  credentials.createSsl(
    Buffer.from(identity.caPem),
    Buffer.from(identity.keyPem),
    Buffer.from(identity.certPem),
  );
