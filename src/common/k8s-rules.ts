// The rules Kubernetes, container runtimes and GitLab Runner apply beyond the OpenAPI schema, as
// plain predicates with no dependencies: the synth-time validators (./validate.ts) and the
// manifest rule `beyond-schema` (../validation/rules.ts) share these definitions.

/** The largest int32: Kubernetes' replicas, counts and most `*Seconds` fields; safe for every Go duration in seconds. */
export const INT32_MAX = 2147483647;
/** The API server's limit on all annotations of one object, keys and values together (bytes). */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;
/** Namespaces Kubernetes itself owns: never emitted, never given build pods or an executor Role. */
export const KUBERNETES_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'] as const;
/** C0 control characters and DEL: never in an env value, a URL or a name. */
export const CONTROL = /[\x00-\x1f\x7f]/;

// The image reference grammar of docker/distribution (reference/regexp.go), as the kubelet and
// container runtimes parse it: `[host[:port]/]path[:tag][@digest]`, the path lowercase, a tag of
// at most 128 word characters, "." and "-", a digest `sha256:` + 64 (or `sha512:` + 128)
// lowercase hex digits. RE2-compatible, for values.schema.json too.
const IMAGE_DOMAIN = '(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(\\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\\[[a-fA-F0-9:]+\\])(:[0-9]+)?';
const IMAGE_PATH_COMPONENT = '[a-z0-9]+(([._]|__|[-]+)[a-z0-9]+)*';
const IMAGE_NAME = `(${IMAGE_DOMAIN}/)?${IMAGE_PATH_COMPONENT}(/${IMAGE_PATH_COMPONENT})*`;
const IMAGE_TAG = ':[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const IMAGE_DIGEST = '@(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})';
/** Any image reference (RE2 pattern). */
export const IMAGE_REFERENCE = `^${IMAGE_NAME}(${IMAGE_TAG})?(${IMAGE_DIGEST})?$`;
/** An image reference with a tag or a digest (RE2 pattern). */
export const PINNED_IMAGE = `^${IMAGE_NAME}(${IMAGE_TAG}(${IMAGE_DIGEST})?|${IMAGE_DIGEST})$`;
const IMAGE_REFERENCE_RE = new RegExp(IMAGE_REFERENCE);

/** Whether `ref` is an image reference container runtimes accept (its name at most 255 characters). */
export function isImageReference(ref: unknown): boolean {
  if (typeof ref !== 'string' || !IMAGE_REFERENCE_RE.test(ref)) return false;
  return ref.replace(/@.*$/, '').replace(/:[^:/]*$/, '').length <= 255;
}

/** Whether a quantity (string or number, as in a manifest) is below zero. */
export function isNegativeQuantity(q: unknown): boolean {
  const n = typeof q === 'number' ? q : typeof q === 'string' ? parseFloat(q) : NaN;
  return n < 0;
}

/** The size the API server counts for an object's annotations: every key and value, in bytes. */
export function annotationBytes(annotations: Record<string, unknown> | undefined): number {
  return Object.entries(annotations ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
}

/** A mount path as the kernel sees it: no repeated, trailing or `.` segments (`/x/` is `/x`; `/` is ''). */
export function normalizeMountPath(p: string): string {
  return p.split('/').filter((s) => s !== '' && s !== '.').map((s) => `/${s}`).join('');
}

/** Whether two mount paths are the same (`/x`, `/x/`) or nested (`/x`, `/x/y`). */
export function mountsOverlap(a: string, b: string): boolean {
  const x = normalizeMountPath(a);
  const y = normalizeMountPath(b);
  return x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`);
}

/** Whether `ns` is a namespace Kubernetes owns. */
export function isKubernetesNamespace(ns: unknown): boolean {
  return (KUBERNETES_NAMESPACES as readonly unknown[]).includes(ns);
}

/**
 * resource.Quantity: a signed decimal number with an optional binary (Ki…Ei), decimal (n…E) or
 * exponent suffix. `1Gb`, `1GB` and `1 Gi` are rejected, as the API server would.
 */
export const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][-+]?\d+)?$/;
const QUANTITY_SUFFIX: Record<string, number> = {
  '': 1, 'n': 1e-9, 'u': 1e-6, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18,
  'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60,
};

/**
 * The value of a Kubernetes quantity (`20Gi` → 21474836480), or NaN when it is not one. Not a
 * validator: call it on values the `quantity` or `storageSize` validators (./validate.ts) accepted.
 */
export function quantityValue(value: string): number {
  if (typeof value !== 'string' || !QUANTITY.test(value)) return NaN;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(.*)$/.exec(value)!;
  const suffix = m[2];
  if (/^[eE]/.test(suffix)) return Number(`${m[1]}${suffix}`);
  return Number(m[1]) * QUANTITY_SUFFIX[suffix];
}
