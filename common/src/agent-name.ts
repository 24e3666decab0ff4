/**
 * What an agent may be called, on both sides: the agent refuses a bad name at start (a service
 * installed with one would never enroll), the controller in a hello and a certificate request.
 */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const AGENT_NAME_MAX_LENGTH = 128;

/** The rule in words, for error messages. */
export const AGENT_NAME_RULE = `letters, digits, _ . - (first a letter or digit), at most ${AGENT_NAME_MAX_LENGTH}`;

export const isAgentName = (name: string): boolean =>
  AGENT_NAME_PATTERN.test(name) && name.length <= AGENT_NAME_MAX_LENGTH;
