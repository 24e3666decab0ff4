import { PortwardenError } from '@portwarden/common/errors';

/** The spool cannot be used as it is on disk, or was used after close. */
export class SpoolError extends PortwardenError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super('spool', message, hint, options);
  }
}
