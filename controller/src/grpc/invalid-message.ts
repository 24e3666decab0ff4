/** A message from an agent that breaks the contract; becomes INVALID_ARGUMENT with this text. */
export class InvalidMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMessageError';
  }
}
