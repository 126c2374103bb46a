import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { concrete, constrain, hasValues, useValues, valueOf } from '../helm/values';
import { invalid, withContext } from './errors';

// Kubernetes naming rules (k8s.io/apimachinery/pkg/util/validation). Each check throws a
// ConfigError naming the construct path and the field, and returns the value it accepted.
// A Helm value token (src/helm/values.ts) is checked through its default, and the rule is
// recorded in the value's JSON schema, so `helm install --set` is held to the same rule. Patterns
// given to the schema are RE2-compatible (Helm validates with Go regular expressions).

/** Notes a Helm value token: installs the values resolver in the app and records the rule. */
function track(scope: IConstruct, value: unknown, schema: Record<string, unknown>): void {
  if (hasValues(value)) {
    useValues(scope);
    constrain(value, schema);
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
// resource.Quantity: a signed decimal number with an optional binary (Ki…Ei), decimal (n…E)
// or exponent suffix. `1Gb`, `1GB` and `1 Gi` are rejected, as the API server would.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][-+]?\d+)?$/;

/** RFC 1123 label: namespaces, Services, StatefulSets, container names. */
export function dnsLabel(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: DNS_LABEL.source, maxLength: 63 });
  const c = concrete(value);
  if (typeof c !== 'string' || c.length > 63 || !DNS_LABEL.test(c)) {
    invalid(scope, field, value, 'must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit');
  }
  return value;
}

/** RFC 1123 subdomain: Secrets, ConfigMaps, ServiceAccounts, Roles. */
export function dnsSubdomain(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: DNS_SUBDOMAIN.source, maxLength: 253 });
  const c = concrete(value);
  if (typeof c !== 'string' || c.length > 253 || !DNS_SUBDOMAIN.test(c)) {
    invalid(scope, field, value, 'must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit');
  }
  return value;
}

/** A label or annotation key, or a taint key: `[prefix/]name`. */
export function qualifiedName(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: `^(${DNS_SUBDOMAIN.source.slice(1, -1)}/)?${QUALIFIED_NAME_PART.source.slice(1, -1)}$`, maxLength: 317 });
  const c = concrete(value);
  const parts = typeof c === 'string' ? c.split('/') : [];
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  const ok = parts.length >= 1 && parts.length <= 2
    && name !== undefined && name.length <= 63 && QUALIFIED_NAME_PART.test(name)
    && (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
  if (!ok) {
    invalid(scope, field, value, 'must be a qualified name "[prefix/]name": name at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit; optional prefix a DNS-1123 subdomain');
  }
  return value;
}

/** A label value: empty, or at most 63 characters of letters, digits, `-`, `_`, `.`. */
export function labelValue(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: `^(${QUALIFIED_NAME_PART.source.slice(1, -1)})?$`, maxLength: 63 });
  const c = concrete(value);
  if (typeof c !== 'string' || c.length > 63 || (c !== '' && !QUALIFIED_NAME_PART.test(c))) {
    invalid(scope, field, value, 'must be a label value: empty, or at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit');
  }
  return value;
}

/** Every key and value of a label map. */
export function labels(scope: IConstruct, field: string, value: Record<string, string> | undefined): Record<string, string> {
  for (const [k, v] of Object.entries(value ?? {})) {
    qualifiedName(scope, `${field} key`, k);
    labelValue(scope, `${field}["${k}"]`, v);
  }
  return { ...value };
}

/** Every key of an annotation map (values are free text). */
export function annotations(scope: IConstruct, field: string, value: Record<string, string> | undefined): Record<string, string> {
  for (const [k, v] of Object.entries(value ?? {})) {
    qualifiedName(scope, `${field} key`, k);
    if (typeof v !== 'string') invalid(scope, `${field}["${k}"]`, v, 'must be a string');
  }
  return { ...value };
}

/** A key inside a Secret or ConfigMap. */
export function secretKey(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: SECRET_KEY.source, maxLength: 253 });
  const c = concrete(value);
  if (typeof c !== 'string' || c.length > 253 || !SECRET_KEY.test(c)) {
    invalid(scope, field, value, 'must be a Secret key: at most 253 letters, digits, "-", "_" and "."');
  }
  return value;
}

/** A Kubernetes resource quantity such as `500m`, `1`, `256Mi` or `2Gi`. */
export function quantity(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: QUANTITY.source });
  const c = concrete(value);
  if (typeof c !== 'string' || !QUANTITY.test(c)) {
    invalid(scope, field, value, 'must be a Kubernetes quantity such as "500m", "2", "256Mi" or "10Gi" (binary suffixes Ki, Mi, Gi, Ti; decimal k, M, G, T)');
  }
  return value;
}

/** An integer within [min, max]. */
export function integer(scope: IConstruct, field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  track(scope, value, { minimum: min, ...(max === Number.MAX_SAFE_INTEGER ? {} : { maximum: max }) });
  const c = concrete(value);
  if (typeof c !== 'number' || !Number.isInteger(c) || c < min || c > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    invalid(scope, field, value, `must be an integer ${range}`);
  }
  return value;
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(scope: IConstruct, field: string, value: T, allowed: readonly T[]): T {
  track(scope, value, { enum: [...allowed] });
  if (!allowed.includes(concrete(value))) {
    invalid(scope, field, value, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  }
  return value;
}

/**
 * The URL of a GitLab instance. https only, unless plain http is explicitly allowed: the runner
 * sends its authentication token with every request.
 */
export function gitlabUrl(scope: IConstruct, field: string, token: string, allowInsecureHttp: boolean): string {
  track(scope, token, { pattern: allowInsecureHttp ? '^https?://[^/@?#\\s]+(/[^?#\\s]*)?$' : '^https://[^/@?#\\s]+(/[^?#\\s]*)?$' });
  const value = concrete(token);
  if (typeof value !== 'string' || value.trim() === '') {
    invalid(scope, field, value, 'must be the https:// URL of your GitLab instance, e.g. "https://gitlab.com"');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid(scope, field, value, 'must be an absolute URL such as "https://gitlab.example.com"');
  }
  if (url.protocol === 'http:' && !allowInsecureHttp) {
    invalid(scope, field, value, 'plain http sends the runner token in clear text: use https://, or set allowInsecureHttp: true for a lab setup');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    invalid(scope, field, value, 'must use the https:// scheme');
  }
  if (url.username || url.password || url.search || url.hash) {
    invalid(scope, field, value, 'must not contain credentials, a query or a fragment');
  }
  return token;
}

/** A cdk8s Duration of whole seconds, at least `min`; returns the seconds. */
export function seconds(scope: IConstruct, field: string, value: Duration, min: number): number {
  const allowed = `must be a Duration of whole seconds, at least ${min}s, e.g. Duration.minutes(10)`;
  // Duration.seconds(Values.number(…)) keeps the token: seconds convert to seconds exactly.
  const token = value instanceof Duration ? withContext(scope, field, value.toHumanString(), allowed, () => value.toSeconds()) : NaN;
  track(scope, token, { minimum: min });
  const s = concrete(token);
  if (!Number.isInteger(s) || s < min) {
    invalid(scope, field, value instanceof Duration ? value.toHumanString() : value, allowed);
  }
  return token;
}

/** Rejects a Helm value token where the prop feeds a computation that Helm cannot redo. */
export function noValue<T>(scope: IConstruct, field: string, value: T, why: string): T {
  const def = valueOf(value);
  if (def) invalid(scope, field, `Values "${def.path}"`, `cannot be a Helm value: ${why}`);
  return value;
}

/**
 * Records a schema for a value checked by construct-specific logic and returns the concrete value
 * (the default of a token) for that logic to check.
 */
export function pattern<T>(scope: IConstruct, _field: string, value: T, schema: Record<string, unknown>): T {
  track(scope, value, schema);
  return concrete(value);
}
