import { PolicyError } from '../errors.js';
import { parsePolicy } from './parse.js';

/** The error a policy text is refused with; throws when it is accepted. For tests. */
export function policyRejection(text: string): PolicyError {
  try {
    parsePolicy(text);
  } catch (err) {
    if (err instanceof PolicyError) return err;
    throw err;
  }
  throw new Error('policy was accepted');
}
