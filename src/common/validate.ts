import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalid } from './errors';

// Kubernetes naming rules (k8s.io/apimachinery/pkg/util/validation). Each check throws a
// ConfigError naming the construct path and the field, and returns the value it accepted.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
// resource.Quantity: a signed decimal number with an optional binary (Ki…Ei), decimal (n…E)
// or exponent suffix. `1Gb`, `1GB` and `1 Gi` are rejected, as the API server would.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][-+]?\d+)?$/;

/** RFC 1123 label: namespaces, Services, StatefulSets, container names. */
export function dnsLabel(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || value.length > 63 || !DNS_LABEL.test(value)) {
    invalid(scope, field, value, 'must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit');
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
  const prefix = value.includes('/') ? value.split('/')[0] : undefined;
  const reserved = [...KUBERNETES_RESERVED_DOMAINS, ...extra];
  if (prefix !== undefined && reserved.some((d) => prefix === d || prefix.endsWith(`.${d}`))) {
    invalid(scope, field, value, `must not use a reserved prefix (${reserved.map((d) => `${d}/ and *.${d}/`).join(', ')}): those keys belong to Kubernetes or the provisioner; use your own, e.g. "example.com/pool" or "dedicated"`);
  }
  return value;
}

/** A taint value: a non-empty label value. */
export function taintValue(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || value === '' || value.length > 63 || !QUALIFIED_NAME_PART.test(value)) {
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
