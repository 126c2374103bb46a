import { IConstruct } from 'constructs';
import { invalid } from './errors';

// Secrets are passed by reference only (a Secret, a masked CI/CD variable), never written as a
// literal into a pod spec or config.toml: there they end up in git and in every reader's view.
// The one definition of "looks like a credential", for the library's checks, the chart's rules and
// the importer's report.

/** Literal values that are credentials: GitLab tokens, private keys, cloud access keys. */
export const CREDENTIAL_VALUE = /^(glrt-|glpat-|glptt-|gldt-|glcbt-|GR1348941|AKIA[0-9A-Z]{16}$|-----BEGIN [A-Z ]*PRIVATE KEY)/;

/**
 * Variable names that hold credentials: a `_`-separated word PASSWORD, PASSWD, SECRET, TOKEN, KEY
 * or APIKEY, in any case (`AWS_SECRET_ACCESS_KEY`, `ssh_key`; not `MONKEY`), unless
 * {@link CREDENTIAL_REFERENCE} says the variable only points at one. RE2 too, for the chart.
 */
export const CREDENTIAL_NAME = /(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|KEY|APIKEY)(_|$)/i;

/** Names that point at a credential rather than hold it: `MINIO_ROOT_PASSWORD_FILE`, `SSH_KEY_PATH`. */
export const CREDENTIAL_REFERENCE = /_(FILE|PATH|DIR|URL|ENDPOINT|ID|NAME)$/i;

/** Whether `NAME=value` writes a credential as a literal (an empty value writes none). */
export function isLiteralCredential(name: string, value: string): boolean {
  return CREDENTIAL_VALUE.test(value) || (value !== '' && isCredentialName(name));
}

/** Whether a variable of this name holds a credential. */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name) && !CREDENTIAL_REFERENCE.test(name);
}

/**
 * Refuses a variable that writes a credential as a literal; `remedy` says where it belongs
 * instead (a Secret through valueFrom, a masked CI/CD variable).
 */
export function refuseLiteralCredential(scope: IConstruct, field: string, name: string, value: string, remedy: string): void {
  if (!isLiteralCredential(name, value)) return;
  const why = CREDENTIAL_VALUE.test(value) ? 'looks like a credential' : `is a literal value of ${name}, a name that holds a credential`;
  invalid(scope, field, `${value.slice(0, 5)}****`, `${why}: ${remedy}, never as a literal in the manifests`);
}
