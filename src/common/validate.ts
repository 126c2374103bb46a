import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalid, redact } from './errors';

// Kubernetes naming rules (k8s.io/apimachinery/pkg/util/validation). Each check throws a
// ConfigError naming the construct path and the field, and returns the value it accepted.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
// resource.Quantity: a signed decimal number with an optional binary (Ki…Ei), decimal (n…E)
// or exponent suffix. `1Gb`, `1GB` and `1 Gi` are rejected, as the API server would.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][-+]?\d+)?$/;
// S3 bucket names (AWS "general purpose bucket naming rules", which MinIO enforces too): 3-63
// lowercase letters, digits, "." and "-", starting and ending with a letter or digit, no "..",
// no "." next to "-", not formatted as an IPv4 address.
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
// GCS bucket names: like S3's, plus "_"; dotted names may be longer, but this library keeps 63.
const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOST_PORT = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:\d{1,5})?$/;
// Object key prefix: S3's "safe characters", in "/"-separated segments.
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;
const QUANTITY_SUFFIX: Record<string, number> = {
  '': 1, 'n': 1e-9, 'u': 1e-6, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18,
  'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60,
};

/**
 * RFC 1123 label: namespaces, Services, StatefulSets, container names. `maxLength` is lower where
 * the name prefixes longer names (e.g. `<name>-provision-<hash>` must stay a label itself).
 */
export function dnsLabel(scope: IConstruct, field: string, value: string, maxLength = 63): string {
  if (typeof value !== 'string' || value.length > maxLength || !DNS_LABEL.test(value)) {
    invalid(scope, field, value, `must be a DNS-1123 label: at most ${maxLength} lowercase letters, digits and "-", starting and ending with a letter or digit`);
  }
  return value;
}

/** RFC 1123 subdomain: Secrets, ConfigMaps, ServiceAccounts, Roles. */
export function dnsSubdomain(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    invalid(scope, field, value, 'must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit');
  }
  return value;
}

/** A label or annotation key, or a taint key: `[prefix/]name`. */
export function qualifiedName(scope: IConstruct, field: string, value: string): string {
  const parts = typeof value === 'string' ? value.split('/') : [];
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
  if (typeof value !== 'string' || value.length > 63 || (value !== '' && !QUALIFIED_NAME_PART.test(value))) {
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
  if (typeof value !== 'string' || value.length > 253 || !SECRET_KEY.test(value)) {
    invalid(scope, field, value, 'must be a Secret key: at most 253 letters, digits, "-", "_" and "."');
  }
  return value;
}

/** A Kubernetes resource quantity such as `500m`, `1`, `256Mi` or `2Gi`. */
export function quantity(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || !QUANTITY.test(value)) {
    invalid(scope, field, value, 'must be a Kubernetes quantity such as "500m", "2", "256Mi" or "10Gi" (binary suffixes Ki, Mi, Gi, Ti; decimal k, M, G, T)');
  }
  return value;
}

/** An integer within [min, max]. */
export function integer(scope: IConstruct, field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    invalid(scope, field, value, `must be an integer ${range}`);
  }
  return value;
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(scope: IConstruct, field: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    invalid(scope, field, value, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  }
  return value;
}

/**
 * The URL of a GitLab instance. https only, unless plain http is explicitly allowed: the runner
 * sends its authentication token with every request.
 */
export function gitlabUrl(scope: IConstruct, field: string, value: string, allowInsecureHttp: boolean): string {
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
  return value;
}

/** A cdk8s Duration of whole seconds, at least `min`; returns the seconds. */
export function seconds(scope: IConstruct, field: string, value: Duration, min: number): number {
  const s = value instanceof Duration ? value.toSeconds() : NaN;
  if (!Number.isInteger(s) || s < min) {
    invalid(scope, field, value instanceof Duration ? `${s}s` : value, `must be a Duration of whole seconds, at least ${min}s, e.g. Duration.minutes(10)`);
  }
  return s;
}

/**
 * The value of a Kubernetes quantity (`20Gi` → 21474836480), or NaN when it is not one. Not a
 * validator: call it on values {@link quantity} or {@link storageSize} accepted.
 */
export function quantityValue(value: string): number {
  if (typeof value !== 'string' || !QUANTITY.test(value)) return NaN;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(.*)$/.exec(value)!;
  const suffix = m[2];
  if (/^[eE]/.test(suffix)) return Number(`${m[1]}${suffix}`);
  return Number(m[1]) * QUANTITY_SUFFIX[suffix];
}

/**
 * A storage size: a quantity of whole bytes, positive, and at least `min` (a quantity) when given,
 * e.g. a PVC size or a bucket quota.
 */
export function storageSize(scope: IConstruct, field: string, value: string, min?: string): string {
  const bytes = quantityValue(value);
  const ok = Number.isFinite(bytes) && Number.isInteger(bytes) && bytes > 0 && (min === undefined || bytes >= quantityValue(min));
  if (!ok) {
    invalid(scope, field, value, `must be a storage size${min === undefined ? '' : ` of at least ${min}`} such as "20Gi" or "500Gi" (binary suffixes Ki, Mi, Gi, Ti, Pi; decimal k, M, G, T, P)`);
  }
  return value;
}

/** An S3 bucket name. */
export function bucketName(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || !S3_BUCKET.test(value) || value.includes('..') || value.includes('.-')
    || value.includes('-.') || IPV4.test(value)) {
    invalid(scope, field, value, 'must be an S3 bucket name: 3-63 lowercase letters, digits, "." and "-", starting and ending with a letter or digit, without ".." or "." next to "-", not an IP address');
  }
  return value;
}

/** A Google Cloud Storage bucket name (this library keeps to 63 characters). */
export function gcsBucketName(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || !GCS_BUCKET.test(value) || value.includes('..') || IPV4.test(value) || value.startsWith('goog')) {
    invalid(scope, field, value, 'must be a GCS bucket name: 3-63 lowercase letters, digits, "-", "_" and ".", starting and ending with a letter or digit, not starting with "goog", not an IP address');
  }
  return value;
}

/** An S3 region name such as `us-east-1` (also MinIO's site region). */
export function region(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || !REGION.test(value)) {
    invalid(scope, field, value, 'must be a region name such as "us-east-1": lowercase letters, digits and "-"');
  }
  return value;
}

/** `host` or `host:port`, without a scheme or path (the runner's `ServerAddress`). */
export function hostPort(scope: IConstruct, field: string, value: string): string {
  const port = typeof value === 'string' ? Number(value.split(':')[1] ?? '1') : NaN;
  if (typeof value !== 'string' || !HOST_PORT.test(value) || !(port >= 1 && port <= 65535)) {
    invalid(scope, field, value, 'must be "host" or "host:port" without a scheme or path, e.g. "s3.amazonaws.com" or "minio.example.com:9000"');
  }
  return value;
}

/** An object key prefix such as `runner` or `team-a/cache` (the runner's cache `Path`). */
export function keyPrefix(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || value.length > 256 || !KEY_PREFIX.test(value)) {
    invalid(scope, field, value, 'must be a key prefix such as "runner" or "team-a/cache": letters, digits and !-_.*\'() in segments separated by "/", without a leading or trailing "/"');
  }
  return value;
}

/** A cdk8s Duration of whole days, at least `min`; returns the days. */
export function wholeDays(scope: IConstruct, field: string, value: Duration, min: number): number {
  const s = value instanceof Duration ? value.toSeconds() : NaN;
  const days = s / 86400;
  if (!Number.isInteger(days) || days < min) {
    invalid(scope, field, value instanceof Duration ? value.toHumanString() : value,
      `must be a Duration of whole days, at least ${min} day${min === 1 ? '' : 's'}, e.g. Duration.days(14)`);
  }
  return days;
}

/**
 * Pods of a distributed MinIO: MinIO splits them into erasure sets of 4 to 16 drives (one per
 * pod here), so the count must be one of those sizes or a multiple of one. 2 or 3 pods lose write
 * quorum as soon as one fails.
 */
export function minioDistributedReplicas(scope: IConstruct, field: string, value: number): number {
  const divisible = Number.isInteger(value) && value >= 4
    && Array.from({ length: 13 }, (_, i) => i + 4).some((set) => value % set === 0);
  if (typeof value !== 'number' || !divisible) {
    invalid(scope, field, value, 'must be an integer from 4 to 16, or a multiple of one of those (MinIO erasure sets of 4 to 16 pods): 2 or 3 pods lose write quorum when one fails');
  }
  return value;
}

/** An image reference pinned to a tag other than `latest`, or to a digest. */
export function pinnedImage(scope: IConstruct, field: string, value: string, example: string): string {
  const ref = typeof value === 'string' ? value : '';
  const lastSegment = ref.split('@')[0].split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  const pinned = ref.includes('@sha256:') || (tag !== undefined && tag !== '' && tag !== 'latest');
  if (ref.trim() === '' || /\s/.test(ref) || !pinned) {
    invalid(scope, field, value, `must be an image pinned to a version tag or a digest, e.g. "${example}", so every pod runs the same build`);
  }
  return value;
}

/** A non-empty string without line breaks (names, keys and paths in external systems). */
export function nonEmptyString(scope: IConstruct, field: string, value: string, example: string): string {
  if (typeof value !== 'string' || value.trim() === '' || /[\r\n]/.test(value)) {
    invalid(scope, field, value, `must be a non-empty single-line string, e.g. "${example}"`);
  }
  return value;
}

/**
 * A credential given as a literal (development only): at least `min` characters, no whitespace.
 * The rejected value is redacted in the message.
 */
export function credentialLiteral(scope: IConstruct, field: string, value: string, min: number): string {
  if (typeof value !== 'string' || value.length < min || /\s/.test(value)) {
    invalid(scope, field, typeof value === 'string' ? redact(value) : value, `must be at least ${min} characters without whitespace (MinIO's minimum)`);
  }
  return value;
}
