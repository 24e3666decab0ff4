import { PortwardenError } from '@portwarden/common/errors';

/** Exit statuses of `portwarden-agent service ...` (status: 0 running, 3 not running, 4 not installed). */
export const EXIT = { ok: 0, failed: 1, usage: 2, notRunning: 3, notInstalled: 4 } as const;

/** A service command failed; `exitCode` is what the command exits with. */
export class ServiceError extends PortwardenError {
  constructor(
    message: string,
    hint: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super('service', message, hint);
  }
}

export class NotInstalledError extends ServiceError {
  constructor() {
    super(
      'the PortwardenAgent service is not installed',
      'install it: portwarden-agent service install',
      EXIT.notInstalled,
    );
  }
}
