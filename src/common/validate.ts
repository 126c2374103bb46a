import { isIPv6 } from 'net';
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { concrete, constrain, hasValues, useValues, valueOf } from './values';
import { invalid, redact, withContext } from './errors';
import {
  ANNOTATIONS_MAX_BYTES, annotationBytes, CONTROL, IMAGE_REFERENCE, INT32_MAX, isImageReference, isKubernetesNamespace, KUBERNETES_NAMESPACES,
  mountsOverlap, normalizeMountPath, PINNED_IMAGE, QUANTITY, quantityValue,
} from './k8s-rules';
import { PREDICATES, requireNotMatching, requireRule } from './rules';
import { isPlainObject } from './shape';

export { ANNOTATIONS_MAX_BYTES, INT32_MAX, KUBERNETES_NAMESPACES, normalizeMountPath, quantityValue } from './k8s-rules';

// Kubernetes naming rules (k8s.io/apimachinery/pkg/util/validation). Each check throws a
// ConfigError naming the construct path and the field, and returns the value it accepted.
// A Helm value token (src/common/values.ts) is checked through its default, and the rule is
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
// A TCP port from 1 to 65535, for schema patterns.
const PORT = '([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';

// S3 bucket names (AWS "general purpose bucket naming rules", which MinIO enforces too): 3-63
// lowercase letters, digits, "." and "-", starting and ending with a letter or digit, no "..",
// no "." next to "-", not formatted as an IPv4 address.
// Reserved by AWS: prefixes `xn--`, `sthree-`, `amzn-s3-demo-`; suffixes `-s3alias` (access point
// aliases), `--ol-s3` (Object Lambda), `.mrap` (multi-region access points), `--x-s3` (directory
// buckets), `--table-s3` (table buckets).
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const S3_RESERVED_PREFIX = /^(xn--|sthree-|amzn-s3-demo-)/;
const S3_RESERVED_SUFFIX = /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/;
/** What an S3 bucket name matching S3_BUCKET may still not hold (RE2-safe: the chart reuses it). */
const S3_NOT = new RegExp(`\\.\\.|\\.-|-\\.|${'^\\d{1,3}(\\.\\d{1,3}){3}$'}|${S3_RESERVED_PREFIX.source}|${S3_RESERVED_SUFFIX.source}`);
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
// GCS bucket names (cloud.google.com/storage/docs/buckets#naming): lowercase letters, digits,
// "-", "_" and "."; start and end with a letter or digit; 3-63 characters, or up to 222 with dots
// where each dot-separated component is at most 63; not an IP address; no "goog" prefix; no
// "google" or close misspellings ("g00gle") anywhere.
const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const GCS_GOOGLE = /g[o0]+g([l1][e3]|[e3][l1])/;
const REGION = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// A DNS name or IPv4 address, or an IPv6 address in brackets; an optional port.
const HOST_PORT = /^([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;
// Object key prefix: S3's "safe characters", in "/"-separated segments.
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;

/** The naming rules as RE2 patterns, for the JSON schemas of map and list Helm values. */
export const NAME_PATTERNS = {
  /** A DNS-1123 label (volume names). */
  dnsLabel: DNS_LABEL.source,
  /** A DNS-1123 subdomain (Secret, PriorityClass names). */
  dnsSubdomain: DNS_SUBDOMAIN.source,
  /** A label or annotation key, `[prefix/]name`. */
  qualifiedName: `^(${DNS_SUBDOMAIN.source.slice(1, -1)}/)?${QUALIFIED_NAME_PART.source.slice(1, -1)}$`,
  /** A label value, possibly empty. */
  labelValue: `^(${QUALIFIED_NAME_PART.source.slice(1, -1)})?$`,
} as const;

/**
 * RFC 1123 label: namespaces, Services, StatefulSets, container names. `maxLength` is lower where
 * the name prefixes longer names (e.g. `<name>-provision-<hash>` must stay a label itself).
 */
export function dnsLabel(scope: IConstruct, field: string, value: string, maxLength = 63): string {
  track(scope, value, { pattern: DNS_LABEL.source, maxLength });
  const c = concrete(value);
  if (typeof c !== 'string' || c.length > maxLength || !DNS_LABEL.test(c)) {
    invalid(scope, field, value, `must be a DNS-1123 label: at most ${maxLength} lowercase letters, digits and "-", starting and ending with a letter or digit`);
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
  // A string or a list would spread into index keys ("0": "x"), valid label keys all.
  if (value !== undefined && !isPlainObject(concrete(value))) {
    invalid(scope, field, value, 'must be a map of label keys to label values, e.g. { team: "ci" }');
  }
  for (const [k, v] of Object.entries(value ?? {})) {
    qualifiedName(scope, `${field} key`, k);
    labelValue(scope, `${field}["${k}"]`, v);
  }
  return { ...value };
}

/**
 * Every key of an annotation map (values are free text), and their total size: the API server
 * refuses an object whose annotations, keys and values together, exceed 256 KiB.
 */
export function annotations(scope: IConstruct, field: string, value: Record<string, string> | undefined): Record<string, string> {
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    invalid(scope, field, value, 'must be a map of annotation keys to string values');
  }
  for (const [k, v] of Object.entries(value ?? {})) {
    qualifiedName(scope, `${field} key`, k);
    if (typeof v !== 'string') invalid(scope, `${field}["${k}"]`, v, 'must be a string');
  }
  const bytes = annotationBytes(Object.fromEntries(Object.entries(value ?? {}).map(([k, v]) => [concrete(k), concrete(v)])));
  if (bytes > ANNOTATIONS_MAX_BYTES) {
    invalid(scope, field, `${bytes} bytes`, `must total at most 256 KiB (${ANNOTATIONS_MAX_BYTES} bytes) of keys and values: the API server refuses more`);
  }
  return { ...value };
}

/** A key inside a Secret or ConfigMap, or of a projected item (the API server's IsConfigMapKey). */
export function secretKey(scope: IConstruct, field: string, value: string): string {
  const allowed = 'must be a Secret key: at most 253 letters, digits, "-", "_" and ".", other than "." and ".."';
  track(scope, value, { pattern: SECRET_KEY.source, maxLength: 253 });
  const c = concrete(value);
  if (typeof c !== 'string' || c.length > 253 || !SECRET_KEY.test(c) || c === '.' || c === '..') {
    invalid(scope, field, value, allowed);
  }
  // A schema `not` fails with "Must not validate the schema (not)": in the chart, a template
  // `fail` says it with this message instead (as for every `not` below).
  requireNotMatching(scope, field, value, /^\.\.?$/, allowed);
  return value;
}

/** The largest quantity Kubernetes keeps as written: int64's maximum (as a float64, rounded up to 2^63). */

/**
 * A Kubernetes resource quantity such as `500m`, `1`, `256Mi` or `2Gi`, not negative: every
 * quantity this library writes (requests, limits, size limits, pool limits) must be >= 0.
 */
export function quantity(scope: IConstruct, field: string, value: string): string {
  // As a Helm value, a number is a quantity too (`cpu: 4`), as Kubernetes takes it; never negative.
  track(scope, value, { type: ['string', 'number'], pattern: QUANTITY.source.replace('[+-]?', '\\+?'), minimum: 0 });
  const c = concrete(value);
  if (typeof c !== 'string' || !QUANTITY.test(c)) {
    invalid(scope, field, value, 'must be a Kubernetes quantity such as "500m", "2", "256Mi" or "10Gi" (binary suffixes Ki, Mi, Gi, Ti; decimal k, M, G, T)');
  }
  if (c.startsWith('-') && quantityValue(c) !== 0) {
    invalid(scope, field, value, 'must not be negative: the API server refuses a negative quantity');
  }
  // Kubernetes reads quantities as int64 (bytes, cores): it caps a larger binary one silently,
  // and the scheduler and kubelet clamp any other; 1e999 is not even a finite number.
  // The same bound for a Helm value (a schema cannot compare quantities): a template rule.
  requireRule(scope, {
    predicate: PREDICATES.quantityAtMost,
    operands: [{ field, value }, { field: 'the largest quantity', value: '9223372036854775807' }],
    allowed: [() => 'must be at most 9223372036854775807 (2^63-1) in its unit, e.g. "7Ei" or "9E": Kubernetes reads quantities as 64-bit integers', () => ''],
  });
  return value;
}

/**
 * An integer within [min, max]. `max` defaults to {@link INT32_MAX}: replicas, counts and limits
 * are int32 in Kubernetes and bounded alike in config.toml, so `1e20` never wraps around.
 */
export function integer(scope: IConstruct, field: string, value: number, min: number, max = INT32_MAX): number {
  track(scope, value, { minimum: min, maximum: max });
  const c = concrete(value);
  if (typeof c !== 'number' || !Number.isInteger(c) || c < min || c > max) {
    invalid(scope, field, value, `must be an integer from ${min} to ${max}`);
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
 * The URL of a GitLab instance, parsed (WHATWG URL), never pattern-matched alone: https only,
 * unless plain http is explicitly allowed (the runner sends its authentication token with every
 * request). On top of what the parser accepts, refuses what it would silently repair: whitespace,
 * control characters and backslashes anywhere, a scheme without `//` (`https:host`), port 0.
 */
export function gitlabUrl(scope: IConstruct, field: string, token: string, allowInsecureHttp: boolean): string {
  const host = `([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+\\])(:${PORT})?`;
  track(scope, token, { pattern: `^${allowInsecureHttp ? '[hH][tT][tT][pP][sS]?' : '[hH][tT][tT][pP][sS]'}://${host}(/[^?#\\s\\\\\\x00-\\x1f\\x7f]*)?$` });
  const value = concrete(token);
  if (typeof value !== 'string' || value.trim() === '') {
    invalid(scope, field, value, 'must be the https:// URL of your GitLab instance, e.g. "https://gitlab.com"');
  }
  if (/\s/.test(value) || CONTROL.test(value) || value.includes('\\')) {
    invalid(scope, field, value, 'must not contain whitespace, control characters or backslashes');
  }
  // The schema's pattern is ASCII, and the parser would rewrite the host to punycode unseen.
  if (/[^\x20-\x7e]/.test(value)) {
    invalid(scope, field, value, 'must be ASCII: write an internationalized domain name in its punycode form ("xn--…")');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid(scope, field, value, 'must be an absolute URL such as "https://gitlab.example.com" (with a host, and a port from 1 to 65535 if any)');
  }
  if (url.protocol === 'http:' && !allowInsecureHttp) {
    invalid(scope, field, value, 'plain http sends the runner token in clear text: use https://, or set allowInsecureHttp: true for a lab setup');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    invalid(scope, field, value, 'must use the https:// scheme');
  }
  // The parser turns `https:host` and `https:/host` into `https://host`: the runner would not.
  if (!/^https?:\/\/[^/]/i.test(value)) {
    invalid(scope, field, value, 'must be written "https://host[:port][/path]", with "//" after the scheme');
  }
  if (url.username || url.password || url.search || url.hash || /[@?#]/.test(value)) {
    invalid(scope, field, value, 'must not contain credentials, a query or a fragment');
  }
  if (url.port === '0' || /^https?:\/\/[^/]*:0+(\/|$)/i.test(value)) {
    invalid(scope, field, value, 'must not use port 0: give a port from 1 to 65535, or none for the scheme\'s default');
  }
  // The parser resolves "." and ".." segments (also as %2e): the runner would call another path.
  if (value.replace(/^https?:\/\/[^/]*/i, '').split('/').some((s) => /^(\.|%2e){1,2}$/i.test(s))) {
    invalid(scope, field, value, 'must not have "." or ".." path segments: the URL parser would remove them, and the runner would call another path');
  }
  return token;
}

/** The TCP port a URL (accepted by {@link gitlabUrl} or {@link proxyUrl}) connects to: one definition, with the chart's twin, in rules.ts. */
export { urlPort } from './rules';

/**
 * A cdk8s Duration of whole seconds, from `min` to {@link INT32_MAX} seconds (the API server's
 * int32 `*Seconds` fields; the runner's Go durations overflow not far above); returns the seconds.
 */
export function seconds(scope: IConstruct, field: string, value: Duration, min: number): number {
  const allowed = `must be a Duration of whole seconds, from ${min}s to ${INT32_MAX}s, e.g. Duration.minutes(10)`;
  // Duration.seconds(Values.number(…)) keeps the token: seconds convert to seconds exactly.
  const token = value instanceof Duration ? withContext(scope, field, value.toHumanString(), allowed, () => value.toSeconds()) : NaN;
  track(scope, token, { minimum: min, maximum: INT32_MAX });
  const s = concrete(token);
  if (!Number.isInteger(s) || s < min || s > INT32_MAX) {
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

/**
 * A storage size: a quantity of whole bytes, positive, and at least `min` (a quantity) when given,
 * e.g. a PVC size or a bucket quota.
 */
export function storageSize(scope: IConstruct, field: string, value: string, min?: string): string {
  track(scope, value, { type: ['string', 'integer'], pattern: QUANTITY.source, minimum: 1 });
  const bytes = quantityValue(concrete(value));
  const ok = Number.isFinite(bytes) && Number.isInteger(bytes) && bytes > 0 && (min === undefined || bytes >= quantityValue(min));
  if (!ok) {
    invalid(scope, field, value, `must be a storage size${min === undefined ? '' : ` of at least ${min}`} such as "20Gi" or "500Gi" (binary suffixes Ki, Mi, Gi, Ti, Pi; decimal k, M, G, T, P)`);
  }
  // Byte counts are passed on as numbers (a bucket quota to mc): keep them exact. The chart holds
  // the bounds as template rules (a schema cannot compare quantities).
  requireRule(scope, {
    predicate: PREDICATES.quantityAtMost,
    operands: [{ field, value }, { field: 'the largest size', value: String(Number.MAX_SAFE_INTEGER) }],
    allowed: [() => `must be at most 8Pi (${Number.MAX_SAFE_INTEGER} bytes)`, () => ''],
  });
  if (min !== undefined) {
    requireRule(scope, {
      predicate: PREDICATES.quantityAtMost,
      operands: [{ field: 'the smallest size', value: min }, { field, value }],
      blame: 1,
      allowed: [() => '', () => `must be a storage size of at least ${min} such as "20Gi" or "500Gi"`],
    });
  }
  return value;
}

/**
 * An S3 bucket name, by AWS's whole rule set for general purpose buckets (which MinIO enforces
 * too, with its ".-"/"-." rule): 3-63 lowercase letters, digits, "." and "-", starting and ending
 * with a letter or digit, no "..", no "." next to "-", not an IPv4 address, none of AWS's
 * reserved prefixes and suffixes.
 */
export function bucketName(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: S3_BUCKET.source, minLength: 3, maxLength: 63 });
  const allowed = 'must be an S3 bucket name: 3-63 lowercase letters, digits, "." and "-", starting and ending with a letter or digit, without ".." or "." next to "-", not an IP address, not starting with "xn--", "sthree-" or "amzn-s3-demo-", not ending with "-s3alias", "--ol-s3", ".mrap", "--x-s3" or "--table-s3"';
  const c = concrete(value);
  if (typeof c !== 'string' || !S3_BUCKET.test(c) || S3_NOT.test(c)) invalid(scope, field, value, allowed);
  // What the schema's pattern cannot say, as a rule the Helm chart also holds, with this message.
  requireNotMatching(scope, field, value, S3_NOT, allowed);
  return value;
}

/** A Google Cloud Storage bucket name, by Google's rules. */
export function gcsBucketName(scope: IConstruct, field: string, value: string): string {
  const allowed = 'must be a GCS bucket name: lowercase letters, digits, "-", "_" and ".", starting and ending with a letter or digit, 3-63 characters (up to 222 with dots, each dot-separated part at most 63), not an IP address, not starting with "goog", without "google" or a close misspelling of it';
  track(scope, value, {
    pattern: GCS_BUCKET.source, minLength: 3, maxLength: 222,
    // Without dots at most 63; with dots, components of at most 63.
    allOf: [{ pattern: '^([^.]{1,63})(\\.[^.]{1,63})*$' }],
  });
  const c = concrete(value);
  const parts = typeof c === 'string' ? c.split('.') : [];
  if (typeof c !== 'string' || !GCS_BUCKET.test(c) || parts.some((part) => part === '' || part.length > 63)
    || IPV4.test(c) || c.startsWith('goog') || GCS_GOOGLE.test(c)) {
    invalid(scope, field, value, allowed);
  }
  requireNotMatching(scope, field, value, new RegExp(`^goog|${GCS_GOOGLE.source}|${IPV4.source}`), allowed);
  return value;
}

/** An S3 region name such as `us-east-1` (also MinIO's site region). */
export function region(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: REGION.source, maxLength: 63 });
  const c = concrete(value);
  if (typeof c !== 'string' || !REGION.test(c)) {
    invalid(scope, field, value, 'must be a region name such as "us-east-1": lowercase letters, digits and "-"');
  }
  return value;
}

/**
 * `host` or `host:port`, without a scheme or path (the runner's `ServerAddress`); an IPv6
 * address in brackets, e.g. `[2001:db8::5]:9000`.
 */
export function hostPort(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: HOST_PORT.source.replace('(:\\d{1,5})?$', `(:${PORT})?$`) });
  const c = concrete(value);
  const m = typeof c === 'string' ? /^(\[([^\]]*)\]|[^:]*)(?::(\d+))?$/.exec(c) : null;
  const port = m?.[3] === undefined ? 1 : Number(m[3]);
  if (typeof c !== 'string' || !m || !HOST_PORT.test(c) || !(port >= 1 && port <= 65535) || (m[2] !== undefined && !isIPv6(m[2]))) {
    invalid(scope, field, value, 'must be "host" or "host:port" without a scheme or path, e.g. "s3.amazonaws.com", "minio.example.com:9000" or "[2001:db8::5]:9000"');
  }
  return value;
}

/** An object key prefix such as `runner` or `team-a/cache` (the runner's cache `Path`). */
export function keyPrefix(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: KEY_PREFIX.source, maxLength: 256 });
  const c = concrete(value);
  if (typeof c !== 'string' || c.length > 256 || !KEY_PREFIX.test(c)) {
    invalid(scope, field, value, 'must be a key prefix such as "runner" or "team-a/cache": letters, digits and !-_.*\'() in segments separated by "/", without a leading or trailing "/"');
  }
  return value;
}

/**
 * A cdk8s Duration of whole days, at least `min`; returns the days.
 * `Duration.days(Values.number(…))` keeps the token: days convert to days exactly.
 */
export function wholeDays(scope: IConstruct, field: string, value: Duration, min: number): number {
  const allowed = `must be a Duration of whole days, from ${min} to ${INT32_MAX} days, e.g. Duration.days(14)`;
  const token = value instanceof Duration ? withContext(scope, field, value.toHumanString(), allowed, () => value.toDays()) : NaN;
  track(scope, token, { minimum: min, maximum: INT32_MAX });
  const days = concrete(token);
  if (!Number.isInteger(days) || days < min || days > INT32_MAX) {
    invalid(scope, field, value instanceof Duration ? value.toHumanString() : value, allowed);
  }
  return token;
}

/**
 * Pods of a distributed MinIO: MinIO splits them into erasure sets of 4 to 16 drives (one per
 * pod here), so the count must be one of those sizes or a multiple of one. 2 or 3 pods lose write
 * quorum as soon as one fails.
 */
export function minioDistributedReplicas(scope: IConstruct, field: string, value: number): number {
  noValue(scope, field, value, 'the pod count shapes MinIO\'s server arguments and its disruption budget');
  // At most INT32_MAX like every replica count: 2^60 is a multiple of 4 but no StatefulSet size.
  const divisible = Number.isInteger(value) && value >= 4 && value <= INT32_MAX
    && Array.from({ length: 13 }, (_, i) => i + 4).some((set) => value % set === 0);
  if (typeof value !== 'number' || !divisible) {
    invalid(scope, field, value, 'must be an integer from 4 to 16, or a multiple of one of those (MinIO erasure sets of 4 to 16 pods): 2 or 3 pods lose write quorum when one fails');
  }
  return value;
}

const IMAGE_GRAMMAR = 'must be an image reference "[registry[:port]/]path[:tag][@sha256:digest]": a lowercase path of letters, digits and separators (".", "_", "__", "-"), a tag of at most 128 letters, digits, "_", "." and "-" not starting with "." or "-", a digest of "sha256:" and 64 lowercase hex digits';

/** An image reference, by the grammar container runtimes parse (the name at most 255 characters). */
export function imageReference(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: IMAGE_REFERENCE });
  const c = concrete(value);
  if (!isImageReference(c)) {
    invalid(scope, field, value, IMAGE_GRAMMAR);
  }
  return value;
}

/**
 * An image reference pinned to a version tag or a digest. `floating` lists tags that move
 * (`latest` always; e.g. `alpine` for the runner image).
 */
export function pinnedImage(scope: IConstruct, field: string, value: string, example: string, floating: readonly string[] = []): string {
  const moving = ['latest', ...floating];
  track(scope, value, { pattern: PINNED_IMAGE });
  const ref = typeof concrete(value) === 'string' ? concrete(value) : '';
  if (ref.trim() !== '' && !/\s/.test(ref) && !isImageReference(ref)) {
    invalid(scope, field, value, IMAGE_GRAMMAR);
  }
  const lastSegment = ref.split('@')[0].split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  const pinned = ref.includes('@sha256:') || (tag !== undefined && tag !== '' && !moving.includes(tag));
  if (ref.trim() === '' || /\s/.test(ref) || !pinned) {
    invalid(scope, field, value, `must be an image pinned to a version tag or a digest, e.g. "${example}", so every pod runs the same build`);
  }
  requireNotMatching(scope, field, value, new RegExp(`:(${moving.join('|')})$`),
    `must be an image pinned to a version tag or a digest, e.g. "${example}", so every pod runs the same build`);
  return value;
}

/** `true` or `false` (a truthy string would reach config.toml as text, or break it). */
export function boolean(scope: IConstruct, field: string, value: boolean): boolean {
  // A boolean Helm value (Values.boolean): its default checked, the token kept.
  if (valueOf(value)?.type === 'boolean') {
    useValues(scope);
    return value;
  }
  if (typeof value !== 'boolean') invalid(scope, field, value, 'must be true or false');
  return value;
}

/** A list of non-empty single-line strings, e.g. image globs. */
export function stringList(scope: IConstruct, field: string, value: string[] | undefined, example: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) invalid(scope, field, value, `must be a list of strings, e.g. ["${example}"]`);
  value.forEach((item, i) => nonEmptyString(scope, `${field}[${i}]`, item, example));
  return value;
}

/**
 * A non-empty string without line breaks or other control characters (names, keys and paths in
 * external systems, image globs): a NUL or an escape is never part of one, and a tab or escape
 * sequence in a log line or config.toml hides what it really holds.
 */
export function nonEmptyString(scope: IConstruct, field: string, value: string, example: string): string {
  track(scope, value, { minLength: 1, pattern: '^[^\\x00-\\x1f\\x7f]*$' });
  const c = concrete(value);
  if (typeof c !== 'string' || c.trim() === '' || CONTROL.test(c)) {
    invalid(scope, field, value, `must be a non-empty single-line string without control characters, e.g. "${example}"`);
  }
  return value;
}

/**
 * A credential given as a literal (development only): at least `min` characters, no whitespace.
 * The rejected value is redacted in the message. Never a Helm value: it would land in values.yaml.
 */
export function credentialLiteral(scope: IConstruct, field: string, value: string, min: number): string {
  noValue(scope, field, value, 'a credential must not be written to values.yaml');
  if (typeof value !== 'string' || value.length < min || /\s/.test(value)) {
    invalid(scope, field, typeof value === 'string' ? redact(value) : value, `must be at least ${min} characters without whitespace (MinIO's minimum)`);
  }
  return value;
}

/** Kubernetes taint effects. */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
/** The same effects as GKE's API spells them (`nodeConfig.taint[].effect`). */
export type GkeTaintEffect = 'NO_SCHEDULE' | 'PREFER_NO_SCHEDULE' | 'NO_EXECUTE';

const TAINT_EFFECTS: Record<TaintEffect | GkeTaintEffect, TaintEffect> = {
  NoSchedule: 'NoSchedule',
  PreferNoSchedule: 'PreferNoSchedule',
  NoExecute: 'NoExecute',
  NO_SCHEDULE: 'NoSchedule',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
  NO_EXECUTE: 'NoExecute',
};

/**
 * A taint effect, in the Kubernetes spelling or GKE's (`NO_SCHEDULE`, …, as GKE docs and
 * `gcloud` print them). Returns the Kubernetes spelling: GKE's never reaches a Kubernetes taint
 * or toleration; only the GKE node pool maps it back with {@link gkeTaintEffect}.
 */
export function taintEffect(scope: IConstruct, field: string, value: string): TaintEffect {
  const effect = typeof value === 'string' && Object.prototype.hasOwnProperty.call(TAINT_EFFECTS, value)
    ? TAINT_EFFECTS[value as TaintEffect] : undefined;
  if (!effect) {
    invalid(scope, field, value, 'must be one of "NoSchedule", "PreferNoSchedule", "NoExecute" (GKE\'s "NO_SCHEDULE", "PREFER_NO_SCHEDULE", "NO_EXECUTE" are accepted too)');
  }
  return effect;
}

/** GKE's spelling of a (validated) Kubernetes taint effect. */
export function gkeTaintEffect(effect: TaintEffect): GkeTaintEffect {
  return effect.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() as GkeTaintEffect;
}

/** Domains Kubernetes reserves for its own label and taint keys (and every subdomain of them). */
export const KUBERNETES_RESERVED_DOMAINS = ['kubernetes.io', 'k8s.io'] as const;

/**
 * A label or taint key of your own: a qualified name whose prefix is not reserved. Kubernetes
 * reserves `kubernetes.io/` and `k8s.io/` with their subdomains (`node.kubernetes.io/`,
 * `node.cloudprovider.kubernetes.io/`, …): the node lifecycle controller and kubelets own those
 * taints and labels, and may remove or rewrite them. Provisioners may reserve more (`extra`).
 */
export function unreservedKey(scope: IConstruct, field: string, value: string, extra: readonly string[] = []): string {
  qualifiedName(scope, field, value);
  const c = concrete(value);
  const prefix = c.includes('/') ? c.split('/')[0] : undefined;
  const reserved = [...KUBERNETES_RESERVED_DOMAINS, ...extra];
  const allowed = `must not use a reserved prefix (${reserved.map((d) => `${d}/ and *.${d}/`).join(', ')}): those keys belong to Kubernetes or the provisioner; use your own, e.g. "example.com/pool" or "dedicated"`;
  if (prefix !== undefined && reserved.some((d) => prefix === d || prefix.endsWith(`.${d}`))) {
    invalid(scope, field, value, allowed);
  }
  // The same rule in the Helm chart, for a key that is a Helm value.
  requireNotMatching(scope, field, value, new RegExp(`^([^/]*\\.)?(${reserved.map((d) => d.replace(/\./g, '\\.')).join('|')})/`), allowed);
  return value;
}

/** A taint value: a non-empty label value. */
export function taintValue(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: QUALIFIED_NAME_PART.source, maxLength: 63 });
  const c = concrete(value);
  if (typeof c !== 'string' || c === '' || c.length > 63 || !QUALIFIED_NAME_PART.test(c)) {
    invalid(scope, field, value, 'must be a non-empty label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit');
  }
  return value;
}

/**
 * A value of an environment variable: no NUL (no process can receive it) and no other control
 * character (a line break splits config.toml's `environment` entries and log lines).
 */
export function envValue(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: '^[^\\x00-\\x1f\\x7f]*$' });
  const c = concrete(value);
  if (typeof c !== 'string' || CONTROL.test(c)) {
    invalid(scope, field, typeof c === 'string' ? c : value, 'must be a string without NUL, line breaks or other control characters');
  }
  return value;
}

/**
 * Checks `namespace` is not one Kubernetes owns (`default`, `kube-system`, `kube-public`,
 * `kube-node-lease`). `why` says what would go wrong there.
 */
export function ownNamespace(scope: IConstruct, field: string, value: string, why: string): string {
  const allowed = `must not be a namespace Kubernetes owns (${KUBERNETES_NAMESPACES.join(', ')}): ${why}`;
  if (isKubernetesNamespace(concrete(value))) {
    invalid(scope, field, value, allowed);
  }
  requireNotMatching(scope, field, value, new RegExp(`^(${KUBERNETES_NAMESPACES.join('|')})$`), allowed);
  return value;
}

/** A volume mount of a pod, for {@link distinctMounts}. */
export interface MountClaim {
  /** The field the user wrote, e.g. `volumes.emptyDir[0].mountPath`; undefined for the library's own. */
  readonly field?: string;
  /** What owns it, for messages: a field, or e.g. `the DinD certificates volume`. */
  readonly owner: string;
  /** The path. */
  readonly mountPath: string;
}

/**
 * No mount at `/`, and no two mounts at the same or nested paths: `/x` and `/x/` are one path,
 * `/x` and `/x/y` overlap (the later mount hides or is hidden by the other). Mounts without a
 * `field` are the library's own, checked first; a user's mount is reported under its own field.
 */
export function distinctMounts(scope: IConstruct, mounts: readonly MountClaim[]): void {
  const seen: Array<MountClaim & { normal: string }> = [];
  const ordered = [...mounts.filter((m) => m.field === undefined), ...mounts.filter((m) => m.field !== undefined)];
  for (const m of ordered) {
    const normal = normalizeMountPath(m.mountPath);
    if (normal === '' && m.field !== undefined) {
      invalid(scope, m.field, m.mountPath, 'must not be "/": a volume over the root would hide the image\'s files');
    }
    const clash = seen.find((s) => mountsOverlap(s.mountPath, m.mountPath));
    if (clash && m.field !== undefined) {
      invalid(scope, m.field, m.mountPath, clash.normal === normal
        ? `must be unique among the build pod's volumes; already used by ${clash.owner}`
        : `must not be inside or around the mount of ${clash.owner} ("${clash.mountPath}"): overlapping mounts hide each other's files`);
    }
    seen.push({ ...m, normal });
  }
}

/** An absolute path inside a container, e.g. a volume mount path. */
export function absolutePath(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.split('/').includes('..') || value.includes(':') || /\s/.test(value)) {
    invalid(scope, field, value, 'must be an absolute path without ".." segments, ":" or whitespace, e.g. "/certs/client"');
  }
  return value;
}

/** A file name relative to a volume mount (a Secret item's `path`). */
export function relativePath(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || value === '' || value.startsWith('/') || value.split('/').some((s) => s === '..' || s === '') || !SECRET_KEY.test(value.replace(/\//g, ''))) {
    invalid(scope, field, value, 'must be a relative file path of letters, digits, "-", "_", "." and "/", without ".." segments, e.g. "config.json"');
  }
  return value;
}

const KIND = /^[A-Z][A-Za-z0-9]*$/;

/** A Kubernetes kind, e.g. `EC2NodeClass`. */
export function kindName(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || value.length > 63 || !KIND.test(value)) {
    invalid(scope, field, value, 'must be a Kubernetes kind: letters and digits starting with an upper-case letter, e.g. "EC2NodeClass"');
  }
  return value;
}

// Google Cloud: a region (`europe-west1`) or a zone (`europe-west1-b`); a machine type (`e2-standard-4`).
const GCP_LOCATION = /^[a-z]+-[a-z]+[0-9]+(-[a-z])?$/;
const GCP_MACHINE_TYPE = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/;

/** A Google Cloud region or zone. */
export function gcpLocation(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || !GCP_LOCATION.test(value)) {
    invalid(scope, field, value, 'must be a Google Cloud region or zone, e.g. "europe-west1" or "europe-west1-b"');
  }
  return value;
}

/** A Compute Engine machine type. */
export function gcpMachineType(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || !GCP_MACHINE_TYPE.test(value)) {
    invalid(scope, field, value, 'must be a Compute Engine machine type, e.g. "e2-standard-4"');
  }
  return value;
}

/**
 * A cdk8s Duration as a Go duration string (`24h`, `5m`, `90s`), as Karpenter takes them;
 * whole seconds, at least `min`.
 */
export function goDuration(scope: IConstruct, field: string, value: Duration, min: number): string {
  const s = seconds(scope, field, value, min);
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

const DIGITS = /^[0-9]+$/;

/** A non-negative integer written as a string, e.g. a Karpenter `Gt`/`Lt` requirement value. */
export function integerString(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || !DIGITS.test(value)) {
    invalid(scope, field, value, 'must be a non-negative integer written as a string, e.g. "4"');
  }
  return value;
}

/** A map, or `undefined` when it is empty (an unset option stays absent from the output). */
export function nonEmptyMap<T>(m: Record<string, T>): Record<string, T> | undefined {
  return Object.keys(m).length ? m : undefined;
}

/**
 * The URL of an HTTP(S) forward proxy (`HTTP_PROXY`/`HTTPS_PROXY`): `http[s]://host[:port]`,
 * parsed like {@link gitlabUrl}; no credentials (they would sit in clear text in the pod spec
 * and in every job's environment), no path, query or fragment.
 */
export function proxyUrl(scope: IConstruct, field: string, token: string): string {
  track(scope, token, { pattern: PROXY_URL_SHAPE });
  const value = concrete(token);
  const allowed = 'must be a proxy URL "http://host[:port]" or "https://host[:port]", e.g. "http://proxy.example.com:3128"';
  if (typeof value !== 'string' || value.trim() === '' || /\s/.test(value) || CONTROL.test(value) || value.includes('\\') || /[^\x20-\x7e]/.test(value)) {
    invalid(scope, field, value, allowed);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid(scope, field, value, allowed);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !/^https?:\/\/[^/]/i.test(value)) invalid(scope, field, value, allowed);
  if (url.username || url.password || /@/.test(value)) {
    invalid(scope, field, value, 'must not contain credentials: they would be readable in the pod spec and in every job\'s environment; use a proxy that admits the cluster\'s egress address');
  }
  if (url.search || url.hash || /[?#]/.test(value) || (url.pathname !== '/' && url.pathname !== '')) {
    invalid(scope, field, value, 'must not have a path, query or fragment: a proxy is addressed by scheme, host and port');
  }
  if (url.port === '0' || /^https?:\/\/[^/]*:0+(\/|$)/i.test(value)) {
    invalid(scope, field, value, 'must not use port 0: give a port from 1 to 65535, or none for the scheme\'s default');
  }
  return token;
}

/** An IPv4 or IPv6 CIDR such as `10.0.0.0/8` (a NetworkPolicy `ipBlock.cidr`). */
export function cidr(scope: IConstruct, field: string, token: string): string {
  const allowed = 'must be an IPv4 or IPv6 CIDR such as "10.20.0.0/16" or "fd00::/64"';
  // The chart's schema holds a Helm value to the shape; the synth checks the default fully.
  track(scope, token, { pattern: CIDR_SHAPE });
  const value = concrete(token);
  if (typeof value !== 'string') invalid(scope, field, value, allowed);
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  const v4 = m && /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(m[1]);
  if (!m || !(v4 || isIPv6(m[1])) || Number(m[2]) > (v4 ? 32 : 128)) invalid(scope, field, value, allowed);
  return token;
}

/** The shape of a CIDR, for a Helm value's schema (RE2). */
export const CIDR_SHAPE = '^[0-9A-Fa-f.:]+/[0-9]{1,3}$';

/**
 * A Helm value that may be left empty (`""`: unset) or hold what `check` admits: its schema admits
 * `""` besides `pattern`, and the synth checks a non-empty default with `check`. What is not a
 * whole Helm value is checked by `check` as it is.
 */
export function emptyOr(scope: IConstruct, token: string, pattern: string, check: (value: string) => unknown): string {
  if (valueOf(token) === undefined) {
    check(token);
    return token;
  }
  track(scope, token, { pattern: `^$|${pattern}` });
  const value = concrete(token);
  if (value !== '') check(value);
  return token;
}

/** The schema pattern (RE2) of {@link proxyUrl}. */
export const PROXY_URL_SHAPE = `^[hH][tT][tT][pP][sS]?://([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+\\])(:${PORT})?/?$`;
