import { PortwardenError } from '@portwarden/common/errors';

/**
 * Enrollment or renewal failed. `final`: retrying will not help (the token was refused, the
 * controller is not the one the token names); otherwise the agent retries with backoff.
 */
export class EnrollError extends PortwardenError {
  readonly final: boolean;
  constructor(message: string, hint?: string, options?: ErrorOptions & { final?: boolean }) {
    super('enroll', message, hint, options);
    this.final = options?.final ?? false;
  }
}
