import { IConstruct } from 'constructs';
import { valueOf } from './values';
import { ConfigError, invalid } from './errors';

// Shape rules: what a prop's value must look like as a JavaScript value (an object, a list, only
// the keys its type declares), before any rule on its content. TypeScript checks this for a typed
// object literal, but not for props built from JSON or YAML, spread from a wider object, or cast:
// there, a typo (`{ cpu: { requets: '1' } }`) would be dropped silently and a list given as a
// string would crash deep in cdk8s. Each rule throws a ConfigError naming the field as the user
// wrote it, the bad value and what is allowed.

/** Whether `x` is a plain object (`{ … }`), neither null, a list nor a class instance. */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  // Object.prototype of any realm (structuredClone and vm contexts make objects of another one).
  const proto = Object.getPrototypeOf(x);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * An optional object with only the keys its type declares (`keys`): `undefined`, or a plain
 * object whose every key with a value is one of `keys`. A Helm value token is left to its schema.
 */
export function knownKeys<T>(scope: IConstruct, field: string, value: T, keys: readonly string[]): T {
  if (value === undefined || valueOf(value) !== undefined) return value;
  const known = `one of ${keys.map((k) => JSON.stringify(k)).join(', ')}`;
  if (!isPlainObject(value)) invalid(scope, field, value, `must be an object with keys ${known}`);
  for (const [k, x] of Object.entries(value)) {
    if (x !== undefined && !keys.includes(k)) {
      invalid(scope, `${field} key`, k, `must be ${known}: an unknown key would be ignored silently`);
    }
  }
  return value;
}

/** An optional `true` or `false`: a truthy string or number would silently count as true. */
export function optionalBoolean(scope: IConstruct, field: string, value: boolean | undefined): boolean | undefined {
  if (value !== undefined && valueOf(value) === undefined && typeof value !== 'boolean') invalid(scope, field, value, 'must be true or false');
  return value;
}

/**
 * A value of a Kubernetes API type passed through to a manifest as is (an `affinity`, a
 * `toleration`, an `extraVolumes` entry), checked by the type's own serializer from the imported
 * bindings (`toJson`), which reads every field the type has: a key it never reads is not a field
 * of the type (a typo, e.g. `nodeselector`) and would vanish from the manifest; an object given
 * where it produces a list, or a list or a scalar where it produces an object, is the wrong shape;
 * and a value it cannot read (a string where it maps a list, a getter that throws) is reported
 * under the path it was reading, never as a crash when cdk8s serializes the chart.
 */
export function kubernetesObject<T>(scope: IConstruct, field: string, value: T, typeName: string, toJson: (x: T) => unknown): T {
  if (value === undefined || valueOf(value) !== undefined) return value;
  const reads = new Map<object, Set<PropertyKey>>();
  let reading = field;
  const allowed = `must be a Kubernetes ${typeName} as in a pod spec`;
  const watch = (x: unknown, path: string): unknown => {
    if (!isPlainObject(x) && !Array.isArray(x)) return x;
    reads.set(x, reads.get(x) ?? new Set());
    return new Proxy(x, {
      get(target, key, receiver) {
        reads.get(target)!.add(key);
        if (typeof key !== 'string') return Reflect.get(target, key, receiver);
        const at = Array.isArray(target) && /^\d+$/.test(key) ? `${path}[${key}]` : `${path}.${key}`;
        const own = Object.prototype.hasOwnProperty.call(target, key);
        if (own && !(Array.isArray(target) && key === 'length')) reading = at;
        const got = Reflect.get(target, key, receiver);
        return own ? watch(got, at) : got;
      },
    });
  };
  let json: unknown;
  try {
    json = toJson(watch(value, field) as T);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const at = lookup(value, reading.slice(field.length));
    invalid(scope, reading, at.found ? at.value : value, `${allowed} (${(e as Error).message})`);
  }
  compare(scope, field, value, json, reads, typeName);
  return value;
}

/** Walks what the user gave beside what the serializer produced, reporting the first mismatch. */
function compare(scope: IConstruct, path: string, given: unknown, json: unknown, reads: Map<object, Set<PropertyKey>>, typeName: string): void {
  if (Array.isArray(given)) {
    if (json !== undefined && (json === null || typeof json !== 'object' || !Array.isArray(json))) {
      invalid(scope, path, given, `must be an object of the Kubernetes ${typeName} type, not a list`);
    }
    given.forEach((x, i) => compare(scope, `${path}[${i}]`, x, (json as unknown[] | undefined)?.[i], reads, typeName));
    return;
  }
  if (isPlainObject(given)) {
    if (Array.isArray(json)) invalid(scope, path, given, `must be a list in the Kubernetes ${typeName} type, not an object`);
    const read = reads.get(given) ?? new Set();
    const known = [...read].filter((k): k is string => typeof k === 'string' && k !== 'constructor' && k !== 'toJSON');
    for (const [k, x] of Object.entries(given)) {
      if (x === undefined) continue;
      if (!read.has(k)) {
        invalid(scope, `${path} key`, k, `must be a field of the Kubernetes ${typeName} type here (${known.sort().join(', ') || 'none'}): an unknown key would vanish from the manifest`);
      }
      compare(scope, `${path}.${k}`, x, isPlainObject(json) ? json[k] : undefined, reads, typeName);
    }
    return;
  }
  // A scalar where the serializer built an object or a list: the field is a structure.
  if (given !== null && json !== undefined && json !== null && typeof json === 'object' && typeof given !== 'object') {
    invalid(scope, path, given, `must be ${Array.isArray(json) ? 'a list' : 'an object'} in the Kubernetes ${typeName} type`);
  }
}

/** The value at a relative path such as `.a[0].b` inside `root`, without running getters twice on failure. */
function lookup(root: unknown, rel: string): { found: boolean; value?: unknown } {
  let x: any = root;
  for (const part of rel.match(/[^.[\]]+/g) ?? []) {
    try {
      if (x === null || typeof x !== 'object') return { found: false };
      x = x[part];
    } catch {
      return { found: false };
    }
  }
  return { found: true, value: x };
}

/**
 * Reads every field of a construct's props once, depth first (plain objects and lists, the way
 * the library will: by key, by index and by iteration), so a getter or proxy that throws is
 * reported as a ConfigError naming the field it guards, before anything else reads it.
 * Constructs, Durations and other class instances are left to the rules that take them.
 */
export function readable(scope: IConstruct, props: unknown, prefix = ''): void {
  const seen = new Set<unknown>();
  const visit = (x: unknown, field: string): void => {
    let children: Array<[string, () => unknown]>;
    try {
      if (seen.has(x) || valueOf(x) !== undefined) return;
      if (Array.isArray(x)) {
        seen.add(x);
        Array.from(x[Symbol.iterator]());
        children = Array.from({ length: x.length }, (_, i) => [`${field}[${i}]`, () => x[i]]);
      } else if (isPlainObject(x)) {
        seen.add(x);
        children = Object.keys(x).map((k) => [field ? `${field}.${k}` : k, () => x[k]]);
      } else {
        return;
      }
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      return invalid(scope, field || 'props', '(unreadable)', `must be readable: reading it threw "${(e as Error).message}"`);
    }
    for (const [f, read] of children) {
      let child: unknown;
      try {
        child = read();
      } catch (e) {
        invalid(scope, f, '(unreadable)', `must be readable: reading it threw "${(e as Error).message}"`);
      }
      visit(child, f);
    }
  };
  visit(props, prefix);
}

/** The keys of an object shape as messages write it, `{ key, other? }`; undefined for other text. */
export function shapeKeys(shape: string): string[] | undefined {
  const m = /^\{([^{}]*)\}$/.exec(shape.trim());
  return m ? m[1].split(',').map((s) => s.trim().replace(/\?$/, '')).filter(Boolean) : undefined;
}

/**
 * An object of the shape its message describes (`{ key, other? }`): a plain object, with no key
 * the shape does not name. One description serves the message and the check, so they never drift.
 */
export function objectShape(scope: IConstruct, field: string, value: unknown, shape: string): void {
  if (!isPlainObject(value)) invalid(scope, field, value, `must be an object ${shape}`);
  const keys = shapeKeys(shape);
  if (keys) knownKeys(scope, field, value, keys);
}
