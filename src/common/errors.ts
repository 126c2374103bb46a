import { IConstruct } from 'constructs';
import { concrete, hasValues, valueOf } from './values';

/**
 * A construct prop that cannot produce a working manifest.
 *
 * Thrown while the app builds its construct tree, before `App.synth()` writes any file, so bad input
 * never reaches `dist/`. The message names the construct path, the field, the bad value and what
 * is allowed, e.g. `stack/runner: invalid concurrent 0: must be an integer from 1 to 2147483647`.
 */
export class ConfigError extends Error {
  constructor(
    /** Construct path of the construct whose props are wrong. */
    public readonly path: string,
    /** The prop (dotted for nested props, e.g. `runners.docker.pollTimeout`). */
    public readonly field: string,
    /** The rejected value, already redacted where it could be a secret. */
    public readonly value: unknown,
    /** What would have been accepted. */
    public readonly allowed: string,
  ) {
    super(`${path}: invalid ${field} ${describe(value)}: ${allowed}`);
    this.name = 'ConfigError';
  }
}

/** Throws a {@link ConfigError} for `scope`. */
export function invalid(scope: IConstruct, field: string, value: unknown, allowed: string): never {
  throw new ConfigError(scope.node.path, field, value, allowed);
}

/**
 * Runs `fn`, which calls into cdk8s or constructs with user input, and re-throws anything it
 * throws as a {@link ConfigError} naming the construct path, the field and what is allowed, with
 * the library's own message kept as the cause.
 */
export function withContext<T>(scope: IConstruct, field: string, value: unknown, allowed: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(scope.node.path, field, value, `${allowed} (${(e as Error).message})`);
  }
}

/**
 * The message of a check that runs at synth (`node.addValidation`): cdk8s prefixes it with the
 * construct path, so it carries the rest: field, value, what is allowed.
 */
export function validationMessage(field: string, value: unknown, allowed: string): string {
  return `invalid ${field} ${describe(value)}: ${allowed}`;
}

/** A value as messages show it: JSON for strings, the default and the path for a Helm value. */
export function describeValue(value: unknown): string {
  return describe(value);
}

function describe(value: unknown): string {
  const helmValue = valueOf(value);
  if (helmValue) return `${describe(helmValue.default)} (default of Helm value "${helmValue.path}")`;
  if (hasValues(value)) return `${describe(concrete(value))} (with Helm value defaults)`;
  if (value === undefined) return '(missing)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Never print secret material: keep a recognisable prefix and mask the rest. */
export function redact(secret: string): string {
  return secret.length <= 5 ? '****' : `${secret.slice(0, 5)}****`;
}
