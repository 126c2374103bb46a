import { IConstruct } from 'constructs';
import { Claim, claimsOfKind } from './app-claims';
import { validationMessage } from './errors';
import { concrete, hasValues } from './values';
import { PREDICATES, requireRule } from './rules';

// Isolation across constructs of one App (a build namespace that is another manager's, a
// cache's, or another manager's build namespace of the other privilege level; one token Secret
// for a privileged and an unprivileged runner), defined once: each rule is a pair of claims that
// must differ and the message of each side. At synth the concrete values are compared; when a
// side is a Helm value, the same rule is recorded for the chart (src/common/rules.ts), so
// `helm template` fails with the same message.

/** One side of a cross-construct rule: a runner's build namespace or token. */
export interface IsolatedRunner {
  /** The runner. */
  readonly scope: IConstruct;
  /** Its manager. */
  readonly manager: IConstruct;
  /** Whether its build pods are privileged. */
  readonly privileged: boolean;
  /** The cache it uses, whose own rule (MinioCache.bind) already covers it. */
  readonly cache?: IConstruct;
}

/** A rule between a runner and the construct of another claim: the message of each side. */
interface PairRule {
  /** What the runner's field allows. */
  readonly runnerSide: string;
  /** What the other construct's field allows. */
  readonly otherSide: string;
}

const WHY_MANAGER = 'build pods run arbitrary code and must not share a namespace (and its Secrets) with a manager';
const WHY_CACHE = 'the executor\'s Role in a build namespace can read its Secrets, MinIO\'s root credentials included';

/** The rule between a runner's build namespace and another namespace claim, if one applies. */
function namespaceRule(r: IsolatedRunner, c: Claim): PairRule | undefined {
  const runnerPath = r.scope.node.path;
  const other = c.owner.node.path;
  if (c.use === 'manager' && c.owner !== r.manager) {
    return {
      runnerSide: `must differ from the namespace of runner manager ${other}: ${WHY_MANAGER}`,
      otherSide: `must differ from the build namespace of runner ${runnerPath}: ${WHY_MANAGER}`,
    };
  }
  if (c.use === 'cache' && c.owner !== r.cache) {
    return {
      runnerSide: `must differ from the namespace of the cache ${other}: ${WHY_CACHE}`,
      otherSide: `must differ from the build namespace of runner ${runnerPath}: ${WHY_CACHE}`,
    };
  }
  if ((c.use === 'build' || c.use === 'privileged-build') && c.parent !== r.manager && (c.use === 'privileged-build') !== r.privileged) {
    const privileged = (p: string, u: string) => ({
      privilegedSide: `a privileged runner needs a build namespace of its own (Pod Security "privileged"); unprivileged runner ${u} builds there`,
      unprivilegedSide: `privileged runner ${p} builds there (Pod Security "privileged"); unprivileged runners need another namespace`,
    });
    const texts = r.privileged ? privileged(runnerPath, other) : privileged(other, runnerPath);
    return r.privileged
      ? { runnerSide: texts.privilegedSide, otherSide: texts.unprivilegedSide }
      : { runnerSide: texts.unprivilegedSide, otherSide: texts.privilegedSide };
  }
  return undefined;
}

/** The rule between a runner's token Secret key and another token claim, if one applies. */
function tokenRule(r: IsolatedRunner, c: Claim): PairRule | undefined {
  if (c.owner === r.scope || (c.use === 'privileged') === r.privileged) return undefined;
  const why = 'one token is one runner in GitLab, so jobs meant for the unprivileged runner could run privileged; give each runner its own token';
  return {
    runnerSide: `is also the token of ${c.use} runner ${c.owner.node.path}: ${why}`,
    otherSide: `is also the token of ${r.privileged ? 'privileged' : 'unprivileged'} runner ${r.scope.node.path}: ${why}`,
  };
}

/** The runner's own side of a rule: the prop the user wrote and its value (possibly with Helm values). */
export interface OwnClaim {
  /** The prop, e.g. `buildNamespace`. */
  readonly field: string;
  /** Its value. */
  readonly value: unknown;
}

const recorded = new WeakMap<IConstruct, Set<Claim>>();

/**
 * Checks a runner's build namespace and token against every other claim of the App: returns the
 * synth errors (validation messages) for equal concrete values, and records each rule with a
 * Helm value side for the chart, once per pair (a pair of runners only from its privileged side).
 */
export function crossConstructIsolation(r: IsolatedRunner, own: { namespace: OwnClaim; token: OwnClaim }): string[] {
  const errors: string[] = [];
  const done = recorded.get(r.scope) ?? new Set<Claim>();
  recorded.set(r.scope, done);
  const check = (mine: OwnClaim, c: Claim, rule: PairRule | undefined) => {
    if (!rule) return;
    if (concrete(mine.value) === concrete(c.value)) {
      errors.push(validationMessage(mine.field, concrete(mine.value), rule.runnerSide));
      return;
    }
    const bothRunners = c.use !== 'manager' && c.use !== 'cache';
    if (done.has(c) || !(hasValues(mine.value) || hasValues(c.value)) || (bothRunners && !r.privileged)) return;
    done.add(c);
    requireRule(r.scope, {
      predicate: PREDICATES.differs,
      operands: [{ field: mine.field, value: mine.value }, { field: c.field!, value: c.value, scope: c.owner }],
      allowed: [() => rule.runnerSide, () => rule.otherSide],
      guards: [c.owner],
    });
  };
  for (const c of claimsOfKind(r.scope, 'namespace')) check(own.namespace, c, namespaceRule(r, c));
  for (const c of claimsOfKind(r.scope, 'token')) check(own.token, c, tokenRule(r, c));
  return errors;
}
