import { rawRefusal } from '../../runner/config/key-uses';
import { MARKER_SYNTAX } from '../../runner/config/markers';
import { checkTable, isTable, joinPath } from '../../runner/config/runner-keys';
import { Keys } from './keys';
import { Expr } from './plan';
import { ImportReport } from './report';

// The escape hatch for the importer: config.toml keys no typed prop covers go to the runner's (or
// the manager's) `rawConfig`, checked exactly as the library checks that prop (the runner's key
// list, the key's TOML type, keys a prop or the library sets refused, no marker syntax), so the
// generated main.ts synthesizes. What the check refuses is reported with the library's reason.

/** Why the escape hatch would refuse `value` at `path` (dotted, from `table`), or undefined. */
export function rawProblem(table: string, path: string, value: unknown): string | undefined {
  const parts = path.split('.');
  const nested = parts.reduceRight<unknown>((v, k) => ({ [k]: v }), value) as Record<string, unknown>;
  const problem = checkTable(table, nested)[0];
  if (problem) return problem.message;
  const refusal = rawRefusal(joinPath(table, path));
  if (refusal) return refusal;
  if (hasMarker(value)) return 'holds the library\'s marker syntax (@@secret:, @@value:, @@if:, @@endif@@), which the escape hatch refuses';
  return undefined;
}

function hasMarker(value: unknown): boolean {
  if (typeof value === 'string') return MARKER_SYNTAX.test(value);
  if (Array.isArray(value)) return value.some(hasMarker);
  if (isTable(value)) return Object.entries(value).some(([k, v]) => MARKER_SYNTAX.test(k) || hasMarker(v));
  return false;
}

/** A JSON value as an {@link Expr}: nulls dropped (TOML and the emitter have none). */
export function plain(value: unknown): Expr | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain).filter((v): v is Expr => v !== undefined);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, plain(v)]).filter(([, v]) => v !== undefined));
  }
  return value as Expr;
}

/**
 * Takes every leaf of `k` not taken yet that the escape hatch accepts for `table` (`runners` for a
 * runner's entry, `` for the global table) and returns them as one rawConfig table; each is
 * reported as converted "via rawConfig". Leaves it refuses stay for the caller's reportRest, and
 * are reported here with the library's reason.
 */
export function takeRaw(k: Keys, table: string, report: ImportReport): Record<string, Expr> | undefined {
  const raw: Record<string, unknown> = {};
  for (const leaf of k.rest()) {
    // A quoted key (a dot or space in it) is no config.toml key of the runner.
    if (leaf.path.includes('"')) continue;
    const problem = rawProblem(table, leaf.path, leaf.value);
    if (problem !== undefined) {
      // Unknown keys are left to the caller's catch-all, with its advice.
      if (/^is not a (key of|table gitlab-runner)/.test(problem)) continue;
      k.unmap(leaf.path, `not converted: \`${joinPath(table, leaf.path)}\` ${problem}`);
      continue;
    }
    k.take(leaf.path);
    const parts = leaf.path.split('.');
    let node = raw;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = leaf.value;
    report.convert(k.at(leaf.path), `via rawConfig (the escape hatch: no typed prop; checked against gitlab-runner's key list as the library checks it)`);
  }
  return Object.keys(raw).length ? plain(raw) as Record<string, Expr> : undefined;
}
