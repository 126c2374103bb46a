// The raw escape hatch: config.toml keys no typed prop covers, merged into a table the library
// writes. Checked like everything else: each key against the keys gitlab-runner defines (a typo
// names the nearest key), each value against the key's TOML type, keys a prop or the library sets
// refused (so a prop and raw text never conflict), and marker syntax refused.
import { IConstruct } from 'constructs';
import { invalid, validationMessage } from '../../common/errors';
import { rawRefusal } from './key-uses';
import { MARKER_SYNTAX } from './markers';
import { checkTable, isTable, joinPath, KeyProblem } from './runner-keys';

/**
 * Extra config.toml keys, as TOML tables: keys are the runner's own (snake_case, or CamelCase
 * under `cache`), values strings, numbers, booleans, lists and nested tables.
 */
export type RawConfig = { readonly [key: string]: unknown };

const NO_MARKER_SYNTAX = 'must not hold the library\'s marker syntax (@@secret:, @@value:, @@if:, @@endif@@): config.toml placeholders are filled in with Secret values at pod start, so such text could hand a runner token to every job';

/** `rawConfig.kubernetes.pod_spec[0].patch` */
export function rawField(field: string, path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : `${out}.${p}`), field);
}

/**
 * Validates raw keys for the table at `table` (`runners` for a runner's entry, `` for the global
 * table) and returns a deep copy. Throws a ConfigError naming `field` and the key path.
 */
export function resolveRawConfig(scope: IConstruct, field: string, table: string, raw: RawConfig | undefined): RawConfig | undefined {
  if (raw === undefined) return undefined;
  if (!isTable(raw)) invalid(scope, field, raw, `must be a table of gitlab-runner config.toml keys, e.g. { kubernetes: { scheduler_name: "my-scheduler" } }`);
  const problem: KeyProblem | undefined = checkTable(table, raw)[0];
  if (problem) invalid(scope, rawField(field, problem.path), problem.value, problem.message);
  const refusal = firstRefusal(table, raw, []);
  if (refusal) invalid(scope, rawField(field, refusal.path), refusal.value, refusal.message);
  const marker = firstMarker(raw, []);
  if (marker) invalid(scope, rawField(field, marker.path), marker.value, NO_MARKER_SYNTAX);
  return copy(raw) as RawConfig;
}

/** The first key a prop or the library sets, or that is refused outright. */
function firstRefusal(table: string, raw: Record<string, unknown>, at: Array<string | number>): KeyProblem | undefined {
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const path = joinPath(table, key);
    // A table is walked: its keys may be the escape hatch's even where a sibling is a prop's,
    // and a key under a refused or typed table falls under that table's entry (keyUse).
    if (isTable(value)) {
      const found = firstRefusal(path, value, [...at, key]);
      if (found) return found;
      continue;
    }
    const message = rawRefusal(path);
    if (message) return { path: [...at, key], value: key, message };
  }
  return undefined;
}

function firstMarker(value: unknown, at: Array<string | number>): { path: Array<string | number>; value: string } | undefined {
  if (typeof value === 'string') return MARKER_SYNTAX.test(value) ? { path: at, value } : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstMarker(value[i], [...at, i]);
      if (found) return found;
    }
  } else if (isTable(value)) {
    for (const [k, item] of Object.entries(value)) {
      if (MARKER_SYNTAX.test(k)) return { path: [...at, k], value: k };
      const found = firstMarker(item, [...at, k]);
      if (found) return found;
    }
  }
  return undefined;
}

function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (isTable(value)) return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, copy(v)]));
  return value;
}

/**
 * `base` with `raw` merged in: tables merged key by key, anything else from `raw` where `base`
 * has nothing. A leaf both set stays `base`'s; {@link rawConflicts} reports it.
 */
export function mergeRaw<T extends object>(base: T, raw: RawConfig | undefined): T {
  if (!raw) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, value] of Object.entries(raw)) {
    const mine = out[k];
    if (mine === undefined) out[k] = copy(value);
    else if (isTable(mine) && isTable(value)) out[k] = mergeRaw(mine, value);
  }
  return out as T;
}

/** Messages (for node.addValidation) for each raw key the library's own table also sets. */
export function rawConflicts(field: string, base: object, raw: RawConfig | undefined, at: Array<string | number> = []): string[] {
  if (!raw) return [];
  const out: string[] = [];
  for (const [k, value] of Object.entries(raw)) {
    const mine = (base as Record<string, unknown>)[k];
    if (mine === undefined || value === undefined) continue;
    if (isTable(mine) && isTable(value)) out.push(...rawConflicts(field, mine, value, [...at, k]));
    else out.push(validationMessage(rawField(field, [...at, k]), value, `the library already sets this key (to ${JSON.stringify(mine)}) from a prop or a cache; remove it from the escape hatch and use that prop`));
  }
  return out;
}
