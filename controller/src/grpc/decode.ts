import type { ServiceDefinition } from '@grpc/grpc-js';

/** A request the deserializer could not read; the guard (grpc/guard.ts) refuses it with INVALID_ARGUMENT. */
export class Undecodable {
  constructor(
    /** What to tell the peer: the method's request type and the decoder's reason. */
    readonly details: string,
  ) {}
}

/**
 * The service with request deserializers that never throw. grpc-js answers a throwing one with
 * INTERNAL before any interceptor sees the message; random bytes, a truncated message, a bad varint
 * and a uint64 beyond 2^53 (ts-proto refuses to make it a number) are the peer's fault instead.
 */
export function tolerant<S extends ServiceDefinition>(service: S): S {
  const methods = Object.entries(service).map(([name, method]) => {
    const type = method.path.slice(method.path.lastIndexOf('/') + 1);
    const requestDeserialize = (bytes: Buffer): unknown => {
      try {
        return method.requestDeserialize(bytes);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        return new Undecodable(
          `the ${type} request is not a valid protobuf message: ${reason.slice(0, 200)}`,
        );
      }
    };
    return [name, { ...method, requestDeserialize }];
  });
  return Object.fromEntries(methods) as S;
}
