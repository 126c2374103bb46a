import { Finding } from './finding';

/** Findings split into violations (they fail validation) and accepted ones (each with its reason). */
export interface FindingSummary {
  /** Findings without a reason to accept them: any of them fails validation. */
  readonly violations: Finding[];
  /** Findings accepted on purpose; `accepted` holds the reason. */
  readonly accepted: Finding[];
}

/** Splits findings into violations and accepted findings. */
export function summarizeFindings(findings: readonly Finding[]): FindingSummary {
  return { violations: findings.filter((f) => !f.accepted), accepted: findings.filter((f) => f.accepted) };
}

/** One line for a finding: `rule Kind namespace/name path: message`. */
export function formatFinding(f: Finding): string {
  return `${f.rule} ${f.object}${f.path ? ` ${f.path}` : ''}: ${f.message}`;
}

/** One line for an accepted finding: where it is and the reason it is accepted (instead of the message). */
export function formatAccepted(f: Finding): string {
  return `${f.rule} ${f.object}${f.path ? ` ${f.path}` : ''}: ${f.accepted}`;
}
