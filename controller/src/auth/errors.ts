import { PortwardenError } from '@portwarden/common/errors';

/** No valid API token: missing, malformed, unknown, expired or revoked (HTTP 401). */
export class UnauthenticatedError extends PortwardenError {
  constructor(message: string, hint: string) {
    super('unauthenticated', message, hint);
  }
}

/** A valid token whose role does not allow the route (HTTP 403). */
export class ForbiddenError extends PortwardenError {
  constructor(message: string, hint: string) {
    super('forbidden', message, hint);
  }
}

/** The Host header names a host this controller does not serve: DNS rebinding (HTTP 421). */
export class MisdirectedError extends PortwardenError {
  constructor(message: string, hint: string) {
    super('misdirected', message, hint);
  }
}
