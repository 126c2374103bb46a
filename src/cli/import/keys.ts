import { ImportReport } from './report';

// Walks every leaf of a parsed source (values.yaml or a config.toml) and remembers which ones a
// mapper took, so the keys nobody took end up in the report: nothing is dropped silently.

/** A leaf: a scalar, a list (taken whole) or an empty mapping. */
export interface Leaf {
  readonly path: string;
  readonly value: unknown;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

/** The leaf paths of `tree`, dotted (a key with a dot in it is quoted: `a."b.c"`). */
export function leaves(tree: unknown, prefix = ''): Leaf[] {
  if (!isMap(tree) || Object.keys(tree).length === 0) return prefix ? [{ path: prefix, value: tree }] : [];
  return Object.entries(tree).flatMap(([k, v]) => leaves(v, join(prefix, k)));
}

/** `prefix.key`, quoting a key that is not a plain identifier. */
export function join(prefix: string, key: string): string {
  const k = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
  return prefix ? `${prefix}.${k}` : k;
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (isMap(v) && Object.keys(v).length === 0);
}

/** The keys of one source, and which of them a mapper has taken. */
export class Keys {
  private readonly all: Leaf[];
  private readonly taken = new Set<string>();

  /**
   * @param tree the parsed source
   * @param prefix path prefix of every key in the report, e.g. `runners.config#runners[0]`
   */
  constructor(private readonly tree: unknown, private readonly prefix: string, private readonly report: ImportReport) {
    this.all = leaves(tree, '').map((l) => ({ path: l.path, value: l.value }));
  }

  /** The full report path of `path`. */
  public at(path: string): string {
    if (!this.prefix || this.prefix.endsWith('#')) return `${this.prefix}${path}`;
    return path ? `${this.prefix}.${path}` : this.prefix;
  }

  /** The value at `path` (dotted, unquoted keys), without taking it. */
  public peek(path: string): unknown {
    let node: unknown = this.tree;
    for (const k of path.split('.')) {
      if (!isMap(node)) return undefined;
      node = node[k];
    }
    return node;
  }

  /** Whether `path` holds a non-empty value. */
  public has(path: string): boolean {
    return !isEmpty(this.peek(path));
  }

  /** The value at `path`, marking it and everything under it as taken. Empty values read as undefined. */
  public take(path: string): unknown {
    const value = this.peek(path);
    for (const l of this.all) {
      if ((l.path === path || l.path.startsWith(`${path}.`)) && !this.taken.has(l.path)) {
        this.taken.add(l.path);
        // An empty key carries no setting, but is listed as such rather than skipped unseen. An
        // empty leaf inside a value that is taken whole (a toleration `"key" = ""`) is part of it.
        if (isEmpty(value)) this.report.empty.push(this.at(l.path));
      }
    }
    return isEmpty(value) ? undefined : value;
  }

  /** Takes `path` and records that it became `to`; returns the value. */
  public convert(path: string, to: string): unknown {
    const value = this.take(path);
    if (value !== undefined) this.report.convert(this.at(path), to);
    return value;
  }

  /** Takes `path` and, when it holds a value, records why it was not converted. */
  public unmap(path: string, reason: string): unknown {
    const value = this.take(path);
    if (value !== undefined) this.report.unmap(this.at(path), reason);
    return value;
  }

  /** The leaves not taken yet, with a value (empty ones are left for {@link reportRest}). */
  public rest(): Leaf[] {
    return this.all.filter((l) => !this.taken.has(l.path) && !isEmpty(l.value));
  }

  /** Reports every leaf not taken: empty ones as empty, the others as unknown to the importer. */
  public reportRest(unknownReason: string): void {
    for (const l of this.all) {
      if (this.taken.has(l.path)) continue;
      this.taken.add(l.path);
      if (isEmpty(l.value)) this.report.empty.push(this.at(l.path));
      else this.report.unmap(this.at(l.path), unknownReason);
    }
  }
}
