import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { concrete, hasValues, useValues } from './values';
import { describeValue, invalid } from './errors';
import { mountsOverlap, normalizeMountPath, quantityValue } from './k8s-rules';
import { toleratesTaint } from './tolerations';

// Rules over more than one prop (a request and its limit, a poll interval and its timeout, two
// namespaces), or over one prop where a JSON schema cannot say it (a reserved key prefix). Each
// rule is defined once, here, as a predicate with its Go-template twin and the message of each
// side; `require*` checks it at synth and, when a side is a Helm value, records it so the chart
// (src/helm/helm-chart.ts) fails `helm template` / `helm install` with the same message.

/** One side of a rule: a prop value (possibly a Helm value token) and the field the user wrote. */
export interface Operand {
  /** The prop, as in ConfigError messages, e.g. `buildResources.memory.request`. */
  readonly field: string;
  /** The value, or a Helm value token. */
  readonly value: unknown;
  /**
   * A unit the message writes after a number, e.g. `s`: `"3s"`.
   * @default - the value as it is
   */
  readonly unit?: string;
  /**
   * The construct whose prop this is, when not the rule's: the message names its path.
   * @default - the rule's construct
   */
  readonly scope?: IConstruct;
}

/** A predicate over operand values, in TypeScript and as a Go template expression. */
export interface Predicate {
  /** Whether the (concrete) values are allowed. */
  readonly holds: (...values: any[]) => boolean;
  /** A Go template expression, true when allowed, over expressions that yield the values. */
  readonly helm: (...expressions: string[]) => string;
  /** Named templates the expression includes (see {@link HELM_HELPERS}). */
  readonly helpers?: readonly string[];
}

/** A rule recorded for the Helm chart of an App. */
export interface RecordedRule {
  /** The construct whose props the rule checks (its path starts the message; its toggles guard the rule). */
  readonly scope: IConstruct;
  readonly predicate: Predicate;
  readonly operands: readonly Operand[];
  /** What is allowed, per operand blamed, given the texts of the other operands in order. */
  readonly allowed: ReadonlyArray<(...others: string[]) => string>;
  /** The operand blamed when several are Helm values. */
  readonly blame: number;
  /** Other constructs the rule is about: their toggles guard it too (both runners of a pair). */
  readonly guards: readonly IConstruct[];
}

/** The name of the Go template that turns a Kubernetes quantity into a number. */
export const QUANTITY_HELPER = 'cdk8s-gitlab-runner.quantity';

/**
 * Named Go templates the predicates use, written to the chart's `templates/_cdk8s-gitlab-runner.tpl`.
 * `quantity`: the value of a quantity as a float (`2Gi` → 2147483648, `500m` → 0.5, `4` → 4), the
 * same arithmetic as {@link quantityValue} in TypeScript.
 */
export const HELM_HELPERS: Record<string, string> = {
  [QUANTITY_HELPER]: [
    `{{- define "${QUANTITY_HELPER}" -}}`,
    '{{- $s := toString . -}}',
    '{{- $n := regexFind "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)" $s -}}',
    '{{- $suffix := trimPrefix $n $s -}}',
    // An exponent (not the suffixes E and Ei). Sprig's float64 reads a number beyond float64 as
    // 0: such a quantity is made huge instead.
    '{{- $exponent := regexMatch "^[eE][-+]?[0-9]+$" $suffix -}}',
    '{{- if or (gt (len $n) 300) (and $exponent (gt (trimPrefix "+" (substr 1 -1 $suffix) | int) 300)) -}}1e308',
    '{{- else if $exponent -}}{{ float64 $s }}',
    '{{- else -}}{{ mulf (float64 $n) (get (dict "" 1 "n" 1e-9 "u" 1e-6 "m" 1e-3 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "Pi" 1125899906842624 "Ei" 1152921504606846976) $suffix) }}',
    '{{- end -}}',
    '{{- end -}}',
  ].join('\n'),
};

/** The name of the Go template that tells whether a list of tolerations tolerates a taint. */
export const TOLERATES_HELPER = 'cdk8s-gitlab-runner.tolerates';
// The scheduler's rule, as toleratesTaint (src/common/tolerations.ts) has it: "true" or "false".
HELM_HELPERS[TOLERATES_HELPER] = [
  `{{- define "${TOLERATES_HELPER}" -}}`,
  '{{- $key := index . 1 -}}{{- $value := index . 2 -}}{{- $effect := index . 3 -}}',
  '{{- $hit := false -}}',
  '{{- range (index . 0) -}}',
  '{{- $k := .key | default "" -}}{{- $e := .effect | default "" -}}',
  '{{- if or (eq $e "") (eq $e $effect) -}}',
  '{{- if eq (.operator | default "Equal") "Exists" -}}',
  '{{- if or (eq $k "") (eq $k $key) -}}{{- $hit = true -}}{{- end -}}',
  '{{- else if and (eq $k $key) (eq (.value | default "") $value) -}}{{- $hit = true -}}',
  '{{- end -}}',
  '{{- end -}}',
  '{{- end -}}',
  '{{- $hit -}}',
  '{{- end -}}',
].join('\n');

/** The name of the Go template that gives a URL's port: its own, or its scheme's (443, 80). */
export const URL_PORT_HELPER = 'cdk8s-gitlab-runner.urlPort';
HELM_HELPERS[URL_PORT_HELPER] = [
  `{{- define "${URL_PORT_HELPER}" -}}`,
  '{{- $u := urlParse . -}}',
  '{{- $p := regexFind ":[0-9]+$" $u.host | trimPrefix ":" -}}',
  '{{- if $p }}{{ $p }}{{ else if eq (lower $u.scheme) "https" }}443{{ else }}80{{ end -}}',
  '{{- end -}}',
].join('\n');

/** The name of the Go template that tells whether an entry of a list is named one of some names. */
export const ANY_NAMED_HELPER = 'cdk8s-gitlab-runner.anyNamed';
HELM_HELPERS[ANY_NAMED_HELPER] = [
  `{{- define "${ANY_NAMED_HELPER}" -}}`,
  '{{- $names := index . 1 -}}{{- $hit := false -}}',
  '{{- range (index . 0) -}}{{- if has (toString .name) $names -}}{{- $hit = true -}}{{- end -}}{{- end -}}',
  '{{- $hit -}}',
  '{{- end -}}',
].join('\n');

/** The name of the Go template that tells whether every entry of a list is named as an entry of another list. */
export const ALL_NAMED_IN_HELPER = 'cdk8s-gitlab-runner.allNamedIn';
HELM_HELPERS[ALL_NAMED_IN_HELPER] = [
  `{{- define "${ALL_NAMED_IN_HELPER}" -}}`,
  '{{- $names := list -}}{{- range (index . 1) -}}{{- $names = append $names (toString .name) -}}{{- end -}}',
  '{{- $all := true -}}',
  '{{- range (index . 0) -}}{{- if not (has (toString .name) $names) -}}{{- $all = false -}}{{- end -}}{{- end -}}',
  '{{- $all -}}',
  '{{- end -}}',
].join('\n');

/** The name of the Go template that tells whether two entries of a list share a name. */
export const SAME_NAMED_HELPER = 'cdk8s-gitlab-runner.sameNamed';
HELM_HELPERS[SAME_NAMED_HELPER] = [
  `{{- define "${SAME_NAMED_HELPER}" -}}`,
  '{{- $names := list -}}{{- $hit := false -}}',
  '{{- range . -}}{{- if has (toString .name) $names -}}{{- $hit = true -}}{{- end -}}{{- $names = append $names (toString .name) -}}{{- end -}}',
  '{{- $hit -}}',
  '{{- end -}}',
].join('\n');

/**
 * The name of the Go template that normalizes a mount path as normalizeMountPath does: no empty
 * or "." segments ("/x/./y/" is "/x/y"; "/" is "").
 */
export const MOUNT_PATH_HELPER = 'cdk8s-gitlab-runner.mountPath';
HELM_HELPERS[MOUNT_PATH_HELPER] = [
  `{{- define "${MOUNT_PATH_HELPER}" -}}`,
  '{{- $n := "" -}}{{- range splitList "/" (toString .) -}}{{- if and (ne . "") (ne . ".") -}}{{- $n = printf "%s/%s" $n . -}}{{- end -}}{{- end -}}',
  '{{- $n -}}',
  '{{- end -}}',
].join('\n');

// Two normalized paths $a and $b overlap when equal or one holds the other, segment-wise ("/a"
// holds "/a/b", not "/ab"), as mountsOverlap has it.
const OVERLAP = '(or (eq $a $b) (hasPrefix (printf "%s/" $a) $b) (hasPrefix (printf "%s/" $b) $a))';

/**
 * The name of the Go template that tells whether a mount of a list (index 0) is at, inside or
 * around one of some normalized paths (index 1).
 */
export const MOUNT_OVERLAPS_HELPER = 'cdk8s-gitlab-runner.mountOverlaps';
HELM_HELPERS[MOUNT_OVERLAPS_HELPER] = [
  `{{- define "${MOUNT_OVERLAPS_HELPER}" -}}`,
  '{{- $paths := index . 1 -}}{{- $hit := false -}}',
  '{{- range (index . 0) -}}',
  `{{- $a := include "${MOUNT_PATH_HELPER}" .mountPath -}}`,
  `{{- range $paths -}}{{- $b := . -}}{{- if ${OVERLAP} -}}{{- $hit = true -}}{{- end -}}{{- end -}}`,
  '{{- end -}}',
  '{{- $hit -}}',
  '{{- end -}}',
].join('\n');

/** The name of the Go template that tells whether two mounts of a list are at the same or nested paths. */
export const MOUNTS_CLASH_HELPER = 'cdk8s-gitlab-runner.mountsClash';
HELM_HELPERS[MOUNTS_CLASH_HELPER] = [
  `{{- define "${MOUNTS_CLASH_HELPER}" -}}`,
  '{{- $seen := list -}}{{- $hit := false -}}',
  '{{- range . -}}',
  `{{- $a := include "${MOUNT_PATH_HELPER}" .mountPath -}}`,
  `{{- range $seen -}}{{- $b := . -}}{{- if ${OVERLAP} -}}{{- $hit = true -}}{{- end -}}{{- end -}}`,
  '{{- $seen = append $seen $a -}}',
  '{{- end -}}',
  '{{- $hit -}}',
  '{{- end -}}',
].join('\n');

/** The name of the Go template that tells whether an entry named like a pattern has a literal value. */
export const LITERAL_NAMED_HELPER = 'cdk8s-gitlab-runner.literalNamed';
HELM_HELPERS[LITERAL_NAMED_HELPER] = [
  `{{- define "${LITERAL_NAMED_HELPER}" -}}`,
  '{{- $pattern := index . 1 -}}{{- $except := index . 2 -}}{{- $hit := false -}}',
  '{{- range (index . 0) -}}{{- if and (regexMatch $pattern (toString .name)) (not (regexMatch $except (toString .name))) (ne (toString (.value | default "")) "") -}}{{- $hit = true -}}{{- end -}}{{- end -}}',
  '{{- $hit -}}',
  '{{- end -}}',
].join('\n');

/** A URL's port: its own, or its scheme's (443 for https, else 80), as {@link URL_PORT_HELPER} has it; NaN for no URL. */
export function urlPort(url: string): number {
  try {
    const u = new URL(url);
    return Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  } catch {
    return NaN;
  }
}

/** The value of a quantity (a string, or a number as Kubernetes also takes), NaN when it is none. */
export function quantityAmount(q: unknown): number {
  return quantityValue(typeof q === 'number' ? String(q) : q as string);
}

const include = (helper: string, e: string) => `(include "${helper}" ${e} | float64)`;

/** The predicates rules are made of. */
export const PREDICATES = {
  /** quantity a <= quantity b. */
  quantityAtMost: {
    holds: (a: unknown, b: unknown) => quantityAmount(a) <= quantityAmount(b),
    helm: (a: string, b: string) => `le ${include(QUANTITY_HELPER, a)} ${include(QUANTITY_HELPER, b)}`,
    helpers: [QUANTITY_HELPER],
  },
  /** number a < number b. */
  lessThan: {
    holds: (a: number, b: number) => a < b,
    helm: (a: string, b: string) => `lt (${a} | float64) (${b} | float64)`,
  },
  /** No toleration of the list a tolerates the taint b=c:d. */
  toleratesNone: {
    holds: (a: unknown, key: string, value: string, effect: string) => {
      return !(Array.isArray(a) ? a : []).some((t) => toleratesTaint(t, { key, value, effect: effect as any }));
    },
    helm: (a: string, key: string, value: string, effect: string) => `eq (include "${TOLERATES_HELPER}" (list (${a} | default list) (${key} | toString) (${value} | toString) (${effect} | toString))) "false"`,
    helpers: [TOLERATES_HELPER],
  },
  /** URL a is empty, or uses port b (its own, or its scheme's). */
  urlPortIs: {
    holds: (a: unknown, b: unknown) => String(a) === '' || urlPort(String(a)) === Number(b),
    helm: (a: string, b: string) => `or (eq (${a} | toString) "") (eq (include "${URL_PORT_HELPER}" (${a} | toString)) (${b} | int | toString))`,
    helpers: [URL_PORT_HELPER],
  },
  /** No entry of the list a (objects with a `name`) is named one of `names`. */
  noEntryNamed: (names: readonly string[]): Predicate => ({
    holds: (a: unknown) => !(Array.isArray(a) ? a : []).some((e) => names.includes(e?.name)),
    helm: (a: string) => `eq (include "${ANY_NAMED_HELPER}" (list (${a} | default list) (list ${names.map((n) => JSON.stringify(n)).join(' ')}))) "false"`,
    helpers: [ANY_NAMED_HELPER],
  }),
  /** Every entry of the list a (objects with a `name`) is named as an entry of the list b. */
  allNamedIn: {
    holds: (a: unknown, b: unknown) => {
      const names = (Array.isArray(b) ? b : []).map((e) => String(e?.name));
      return (Array.isArray(a) ? a : []).every((e) => names.includes(String(e?.name)));
    },
    helm: (a: string, b: string) => `eq (include "${ALL_NAMED_IN_HELPER}" (list (${a} | default list) (${b} | default list))) "true"`,
    helpers: [ALL_NAMED_IN_HELPER],
  },
  /** No two entries of the list a (objects with a `name`) share a name. */
  namesUnique: {
    holds: (a: unknown) => {
      const names = (Array.isArray(a) ? a : []).map((e) => String(e?.name));
      return new Set(names).size === names.length;
    },
    helm: (a: string) => `eq (include "${SAME_NAMED_HELPER}" (${a} | default list)) "false"`,
    helpers: [SAME_NAMED_HELPER],
  },
  /** No mount of the list a (objects with a `mountPath`) is at, inside or around one of `paths`. */
  noMountOverlapping: (paths: readonly string[]): Predicate => ({
    holds: (a: unknown) => !(Array.isArray(a) ? a : []).some((m) => paths.some((p) => mountsOverlap(p, String(m?.mountPath ?? '')))),
    helm: (a: string) => `eq (include "${MOUNT_OVERLAPS_HELPER}" (list (${a} | default list) (list ${paths.map((p) => JSON.stringify(normalizeMountPath(p))).join(' ')}))) "false"`,
    helpers: [MOUNT_OVERLAPS_HELPER, MOUNT_PATH_HELPER],
  }),
  /** No two mounts of the list a (objects with a `mountPath`) are at the same or nested paths. */
  mountsDistinct: {
    holds: (a: unknown) => {
      const paths = (Array.isArray(a) ? a : []).map((m) => String(m?.mountPath ?? ''));
      return paths.every((p, i) => paths.slice(0, i).every((q) => !mountsOverlap(q, p)));
    },
    helm: (a: string) => `eq (include "${MOUNTS_CLASH_HELPER}" (${a} | default list)) "false"`,
    helpers: [MOUNTS_CLASH_HELPER, MOUNT_PATH_HELPER],
  },
  /**
   * No entry of the list a (objects with a `name`) whose name matches `pattern` and not `except`
   * has a non-empty literal `value` (patterns RE2, matched ignoring case).
   */
  noLiteralNamed: (pattern: RegExp, except: RegExp): Predicate => ({
    holds: (a: unknown) => !(Array.isArray(a) ? a : []).some((e) => typeof e?.name === 'string' && pattern.test(e.name) && !except.test(e.name) && typeof e?.value === 'string' && e.value !== ''),
    helm: (a: string) => `eq (include "${LITERAL_NAMED_HELPER}" (list (${a} | default list) ${JSON.stringify(`(?i)${pattern.source}`)} ${JSON.stringify(`(?i)${except.source}`)})) "false"`,
    helpers: [LITERAL_NAMED_HELPER],
  }),
  /** a and b differ (as strings). */
  differs: {
    holds: (a: unknown, b: unknown) => String(a) !== String(b),
    helm: (a: string, b: string) => `ne (${a} | toString) (${b} | toString)`,
  },
  /** a does not match an RE2-compatible pattern. */
  notMatching: (pattern: RegExp): Predicate => ({
    holds: (a: unknown) => !pattern.test(String(a)),
    helm: (a: string) => `not (regexMatch ${JSON.stringify(pattern.source)} (${a} | toString))`,
  }),
} as const;

const RECORDED = new WeakMap<App, RecordedRule[]>();

/** The rules recorded for the Helm chart of `app`, in the order they were checked. */
export function rulesOf(app: App): readonly RecordedRule[] {
  return RECORDED.get(app) ?? [];
}

/**
 * Requires `predicate` over `operands`. At synth, a violation is a ConfigError blaming operand
 * `blame` with `allowed[blame]`; when an operand is a Helm value, the rule is also recorded for
 * the chart, where it blames the operand that is a Helm value.
 */
export function requireRule(scope: IConstruct, rule: { predicate: Predicate; operands: readonly Operand[]; allowed: ReadonlyArray<(...others: string[]) => string>; blame?: number; guards?: readonly IConstruct[] }): void {
  const blame = rule.blame ?? 0;
  const values = rule.operands.map((o) => concrete(o.value));
  if (!rule.predicate.holds(...values)) {
    const others = rule.operands.filter((_, i) => i !== blame).map((o) => operandText(o));
    invalid(rule.operands[blame].scope ?? scope, rule.operands[blame].field, displayed(rule.operands[blame]), rule.allowed[blame](...others));
  }
  if (rule.operands.some((o) => hasValues(o.value))) {
    useValues(scope);
    const app = App.of(scope);
    if (!RECORDED.has(app)) RECORDED.set(app, []);
    RECORDED.get(app)!.push({ scope, predicate: rule.predicate, operands: rule.operands, allowed: rule.allowed, blame, guards: rule.guards ?? [] });
  }
}

/** An operand's value as a message shows it: with its unit. */
function displayed(o: Operand): unknown {
  if (o.unit === undefined) return o.value;
  return `${concrete(o.value)}${o.unit}`;
}

/** `field value` of an operand, for the message of another operand. */
export function operandText(o: Operand): string {
  return `${o.field} ${describeValue(displayed(o))}`;
}

/** A request never above its limit; the message blames the request, or the limit when only the limit was given. */
export function requireRequestAtMostLimit(scope: IConstruct, request: Operand, limit: Operand, blameLimit: boolean): void {
  requireRule(scope, {
    predicate: PREDICATES.quantityAtMost,
    operands: [request, limit],
    allowed: [
      (l) => `must be at most the limit, ${l}`,
      (r) => `must be at least the request, ${r}`,
    ],
    blame: blameLimit ? 1 : 0,
  });
}

/** A poll interval shorter than its poll timeout; blames the timeout when only it was given. */
export function requirePollIntervalBelowTimeout(scope: IConstruct, interval: Operand, timeout: Operand, blameTimeout: boolean): void {
  requireRule(scope, {
    predicate: PREDICATES.lessThan,
    operands: [{ ...interval, unit: 's' }, { ...timeout, unit: 's' }],
    allowed: [
      (t) => `must be shorter than ${t}`,
      (i) => `must be longer than ${i}`,
    ],
    blame: blameTimeout ? 1 : 0,
  });
}

/**
 * Two namespaces that must differ; `why` says why, from the first operand's side (the blamed
 * one at synth; in the chart, the first that is a Helm value).
 */
export function requireDistinctNamespaces(scope: IConstruct, first: Operand, second: Operand, why: [string, string], guards: readonly IConstruct[] = []): void {
  requireRule(scope, {
    predicate: PREDICATES.differs,
    operands: [first, second],
    allowed: [() => why[0], () => why[1]],
    guards,
  });
}

/** A single prop that must not match `pattern` (RE2-compatible), where a JSON schema cannot say it. */
export function requireNotMatching(scope: IConstruct, field: string, value: unknown, pattern: RegExp, allowed: string): void {
  requireRule(scope, { predicate: PREDICATES.notMatching(pattern), operands: [{ field, value }], allowed: [() => allowed] });
}
