// The config.toml keys gitlab-runner defines, generated from the runner's own config structs by
// scripts/gen-runner-keys.go (see there to regenerate). Every key the library writes, and every
// key of the raw escape hatch, is checked against this list: a typo fails synth instead of being
// ignored by the runner.
import RUNNER_KEYS_JSON from './runner-keys.json';

/**
 * A key's TOML type, as the generator records it: `string`, `integer`, `float`, `boolean`,
 * `datetime`, `duration`, `array:<type>`, `table`, `array-of-tables`, `map:<type>` (a table
 * whose keys are the user's), `any` (custom decoding), or alternatives joined by `|`.
 */
export type RunnerKeyType = string;

/** The runner source a key list was generated from. */
export interface RunnerKeySource {
  /** The Go module, `gitlab.com/gitlab-org/gitlab-runner`. */
  readonly module: string;
  /** Its version, e.g. `v18.9.0`. */
  readonly version: string;
}

/** The generated key list. */
export interface RunnerKeyList {
  /** The generator. */
  readonly generatedBy: string;
  /** The runner source it was generated from. */
  readonly source: RunnerKeySource;
  /** Table path (`runners.kubernetes`; `` for the global table) → key → type. */
  readonly tables: Readonly<Record<string, Readonly<Record<string, RunnerKeyType>>>>;
}

/** The key list of the pinned runner version. */
export const RUNNER_KEYS: RunnerKeyList = RUNNER_KEYS_JSON;

/** The runner version the key list was generated from, e.g. `v18.9.0`. */
export const RUNNER_KEYS_VERSION = RUNNER_KEYS.source.version;

/** `runners.kubernetes` + `cpu_request` → `runners.kubernetes.cpu_request`. */
export function joinPath(table: string, key: string): string {
  return table === '' ? key : `${table}.${key}`;
}

/** A problem with a key or value, relative to the checked table. */
export interface KeyProblem {
  /** Keys and array indexes from the checked table to the bad key. */
  readonly path: ReadonlyArray<string | number>;
  /** What is wrong and what is allowed. */
  readonly message: string;
  /** The offending value (the key itself for an unknown key). */
  readonly value: unknown;
}

/**
 * Every key of `value` (a table at `table`) that gitlab-runner does not define, and every value
 * whose type is not the key's TOML type; sub-tables, arrays of tables and tables of tables
 * included.
 */
export function checkTable(table: string, value: unknown, at: ReadonlyArray<string | number> = []): KeyProblem[] {
  const keys = RUNNER_KEYS.tables[table];
  if (!keys) return [{ path: at, value: table, message: `is not a table gitlab-runner ${RUNNER_KEYS_VERSION} defines` }];
  if (!isTable(value)) return [{ path: at, value, message: `must be a table (an object) of gitlab-runner ${RUNNER_KEYS_VERSION}'s [${table}] keys` }];
  const problems: KeyProblem[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const type = keys[key];
    if (type === undefined) {
      const near = nearest(key, Object.keys(keys));
      problems.push({
        path: [...at, key], value: key,
        message: `is not a key of [${table || 'global'}] in gitlab-runner ${RUNNER_KEYS_VERSION}${near ? `; did you mean "${near}"?` : ''}`,
      });
      continue;
    }
    problems.push(...checkType(joinPath(table, key), type, item, [...at, key]));
  }
  return problems;
}

/** Problems of `value` as a value of TOML type `type` at key path `path`. */
export function checkType(path: string, type: RunnerKeyType, value: unknown, at: ReadonlyArray<string | number>): KeyProblem[] {
  const alternatives = type.split('|');
  if (alternatives.length > 1) {
    return alternatives.some((t) => checkType(path, t, value, at).length === 0) ? [] : [mismatch(type, value, at)];
  }
  if (type === 'table') return checkTable(path, value, at);
  if (type === 'array-of-tables') {
    if (!Array.isArray(value)) return [mismatch('an array of tables', value, at)];
    return value.flatMap((item, i) => checkTable(path, item, [...at, i]));
  }
  if (type.startsWith('array:')) {
    if (!Array.isArray(value)) return [mismatch(type, value, at)];
    const elem = type.slice('array:'.length);
    return value.flatMap((item, i) => checkType(path, elem, item, [...at, i]));
  }
  if (type.startsWith('map:')) {
    if (!isTable(value)) return [mismatch(type, value, at)];
    const elem = type.slice('map:'.length);
    return Object.entries(value).flatMap(([k, item]) => (elem === 'table' ? checkTable(`${path}.*`, item, [...at, k]) : checkType(path, elem, item, [...at, k])));
  }
  return scalarMatches(type, value) ? [] : [mismatch(type, value, at)];
}

// Go's time.ParseDuration syntax, which the runner's TOML decoder applies to a duration string.
const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$|^0$/;

function scalarMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'integer': return typeof value === 'number' && Number.isSafeInteger(value);
    case 'float': return typeof value === 'number' && Number.isFinite(value);
    case 'boolean': return typeof value === 'boolean';
    case 'datetime': return value instanceof Date && !Number.isNaN(value.getTime());
    case 'duration': return (typeof value === 'string' && GO_DURATION.test(value)) || (typeof value === 'number' && Number.isSafeInteger(value));
    case 'any': return value !== null && value !== undefined;
    default: return false;
  }
}

const TYPE_WORDS: Record<string, string> = {
  'string': 'a string',
  'integer': 'an integer',
  'float': 'a number',
  'boolean': 'true or false',
  'datetime': 'a Date',
  'duration': 'a Go duration string such as "5m" or "1h30m" (or an integer of nanoseconds)',
  'any': 'a value',
  'string|array:string': 'a string or a list of strings',
};

function mismatch(type: string, value: unknown, at: ReadonlyArray<string | number>): KeyProblem {
  const words = TYPE_WORDS[type]
    ?? (type.startsWith('array:') ? `a list of ${(TYPE_WORDS[type.slice(6)] ?? type.slice(6)).replace(/^an? /, '')}s`
      : type.startsWith('map:') ? `a table of ${(TYPE_WORDS[type.slice(4)] ?? type.slice(4)).replace(/^an? /, '')} values`
        : type);
  return { path: at, value, message: `must be ${words} (TOML ${type} in gitlab-runner ${RUNNER_KEYS_VERSION})` };
}

/** A plain object: a TOML table. */
export function isTable(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * The candidate closest to `key` by edit distance (case-insensitive), when close enough to be a
 * likely typo: at most a third of the key's length, and at least 2 edits allowed.
 */
export function nearest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of [...candidates].sort()) {
    const d = levenshtein(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * Edit distance (insertions, deletions, substitutions). A dozen lines rather than a dependency:
 * keys are short, and only a failing synth computes it.
 */
export function levenshtein(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}
