import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { concrete, constrain, hasValues, useValues, valueOf } from '../helm/values';
import { invalid, redact, withContext } from './errors';
import { requireNotMatching } from './rules';

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
  // As a Helm value, a number is a quantity too (`cpu: 4`), as Kubernetes takes it.
  track(scope, value, { type: ['string', 'number'], pattern: QUANTITY.source, minimum: 0 });
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
  track(scope, value, { type: ['string', 'integer'], pattern: QUANTITY.source, minimum: 1 });
  const bytes = quantityValue(concrete(value));
  const ok = Number.isFinite(bytes) && Number.isInteger(bytes) && bytes > 0 && (min === undefined || bytes >= quantityValue(min));
  if (!ok) {
    invalid(scope, field, value, `must be a storage size${min === undefined ? '' : ` of at least ${min}`} such as "20Gi" or "500Gi" (binary suffixes Ki, Mi, Gi, Ti, Pi; decimal k, M, G, T, P)`);
  }
  return value;
}

/** An S3 bucket name. */
export function bucketName(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: S3_BUCKET.source, minLength: 3, maxLength: 63 });
  const allowed = 'must be an S3 bucket name: 3-63 lowercase letters, digits, "." and "-", starting and ending with a letter or digit, without ".." or "." next to "-", not an IP address';
  const c = concrete(value);
  if (typeof c !== 'string' || !S3_BUCKET.test(c) || c.includes('..') || c.includes('.-')
    || c.includes('-.') || IPV4.test(c)) {
    invalid(scope, field, value, allowed);
  }
  // What the schema's pattern cannot say, as a rule the Helm chart also holds.
  requireNotMatching(scope, field, value, new RegExp(`\\.\\.|\\.-|-\\.|${IPV4.source}`), allowed);
  return value;
}

/** A Google Cloud Storage bucket name (this library keeps to 63 characters). */
export function gcsBucketName(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: GCS_BUCKET.source, minLength: 3, maxLength: 63 });
  const c = concrete(value);
  if (typeof c !== 'string' || !GCS_BUCKET.test(c) || c.includes('..') || IPV4.test(c) || c.startsWith('goog')) {
    invalid(scope, field, value, 'must be a GCS bucket name: 3-63 lowercase letters, digits, "-", "_" and ".", starting and ending with a letter or digit, not starting with "goog", not an IP address');
  }
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

/** `host` or `host:port`, without a scheme or path (the runner's `ServerAddress`). */
export function hostPort(scope: IConstruct, field: string, value: string): string {
  track(scope, value, { pattern: HOST_PORT.source });
  const c = concrete(value);
  const port = typeof c === 'string' ? Number(c.split(':')[1] ?? '1') : NaN;
  if (typeof c !== 'string' || !HOST_PORT.test(c) || !(port >= 1 && port <= 65535)) {
    invalid(scope, field, value, 'must be "host" or "host:port" without a scheme or path, e.g. "s3.amazonaws.com" or "minio.example.com:9000"');
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
  const allowed = `must be a Duration of whole days, at least ${min} day${min === 1 ? '' : 's'}, e.g. Duration.days(14)`;
  const token = value instanceof Duration ? withContext(scope, field, value.toHumanString(), allowed, () => value.toDays()) : NaN;
  track(scope, token, { minimum: min });
  const days = concrete(token);
  if (!Number.isInteger(days) || days < min) {
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
  const divisible = Number.isInteger(value) && value >= 4
    && Array.from({ length: 13 }, (_, i) => i + 4).some((set) => value % set === 0);
  if (typeof value !== 'number' || !divisible) {
    invalid(scope, field, value, 'must be an integer from 4 to 16, or a multiple of one of those (MinIO erasure sets of 4 to 16 pods): 2 or 3 pods lose write quorum when one fails');
  }
  return value;
}

/** Image references: any, ending in a tag or a digest (RE2, for values.schema.json). */
const PINNED_IMAGE = '^[^\\s@]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$';

/**
 * An image reference pinned to a version tag or a digest. `floating` lists tags that move
 * (`latest` always; e.g. `alpine` for the runner image).
 */
export function pinnedImage(scope: IConstruct, field: string, value: string, example: string, floating: readonly string[] = []): string {
  const moving = ['latest', ...floating];
  track(scope, value, { pattern: PINNED_IMAGE, not: { pattern: `:(${moving.join('|')})$` } });
  const ref = typeof concrete(value) === 'string' ? concrete(value) : '';
  const lastSegment = ref.split('@')[0].split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  const pinned = ref.includes('@sha256:') || (tag !== undefined && tag !== '' && !moving.includes(tag));
  if (ref.trim() === '' || /\s/.test(ref) || !pinned) {
    invalid(scope, field, value, `must be an image pinned to a version tag or a digest, e.g. "${example}", so every pod runs the same build`);
  }
  return value;
}

/** A non-empty string without line breaks (names, keys and paths in external systems). */
export function nonEmptyString(scope: IConstruct, field: string, value: string, example: string): string {
  track(scope, value, { minLength: 1, pattern: '^[^\\r\\n]*$' });
  const c = concrete(value);
  if (typeof c !== 'string' || c.trim() === '' || /[\r\n]/.test(c)) {
    invalid(scope, field, value, `must be a non-empty single-line string, e.g. "${example}"`);
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
