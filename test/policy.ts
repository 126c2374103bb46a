import { execFileSync } from 'child_process';
import * as path from 'path';
import { K8sObject } from './helpers';

/** A finding of the third-party policy validator (@monokle/validation). */
export interface PolicyFinding {
  readonly rule: string;
  readonly object: string;
  readonly path?: string;
  readonly message: string;
  /** Why the finding is accepted; absent for a violation. */
  readonly accepted?: string;
}

/**
 * Runs @monokle/validation's Pod Security (baseline + restricted) and best-practice rules over
 * the objects. Monokle is ESM-only, so it runs in a child node process.
 */
export function policyFindings(objects: K8sObject[], privilegedNamespaces: string[] = []): PolicyFinding[] {
  const script = path.join(__dirname, '..', 'src', 'validation', 'monokle.mjs');
  const args = privilegedNamespaces.length ? ['--privileged', privilegedNamespaces.join(',')] : [];
  return JSON.parse(execFileSync(process.execPath, [script, ...args], { input: JSON.stringify(objects), stdio: ['pipe', 'pipe', 'inherit'] }).toString());
}

/** The findings that are not accepted: violations. */
export function policyViolations(objects: K8sObject[], privilegedNamespaces: string[] = []): PolicyFinding[] {
  return policyFindings(objects, privilegedNamespaces).filter((f) => !f.accepted);
}
