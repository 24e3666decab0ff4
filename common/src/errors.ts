/**
 * Every failure a user can act on is one of these classes. Each carries a `hint` that says how to
 * fix the cause; the CLI, the HTTP API and gRPC status details turn them into text.
 */
export class PortwardenError extends Error {
  /** Machine-readable code, stable across versions. */
  readonly code: string;
  /** What the user can do about it. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }
}

/** A flag, an environment variable or a local file is wrong. */
export class ConfigError extends PortwardenError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super('config', message, hint, options);
  }
}

export interface PolicyIssue {
  /** Path in the document, for example `checks[2].port`. */
  path: string;
  /** 1-based line in the YAML file, when known. */
  line?: number;
  message: string;
}

/** A policy was rejected whole; `issues` lists every problem found. */
export class PolicyError extends PortwardenError {
  readonly issues: PolicyIssue[];
  constructor(issues: PolicyIssue[]) {
    super(
      'policy-invalid',
      `policy rejected with ${issues.length} error${issues.length === 1 ? '' : 's'}:\n` +
        issues.map(formatPolicyIssue).join('\n'),
      'fix every listed error and apply again; the previous revision stays in force',
    );
    this.issues = issues;
  }
}

export function formatPolicyIssue(issue: PolicyIssue): string {
  const where = issue.line === undefined ? issue.path : `${issue.path} (line ${issue.line})`;
  return `  ${where}: ${issue.message}`;
}
