import { App, IResolver, ResolutionContext } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * The Helm values of one App, bound to construct props.
 *
 * `values.string()` and `values.number()` return tokens: a marker string, or a reserved float,
 * that stand for the value wherever the prop flows (object fields, config.toml, labels). Plain
 * synth replaces each token with its default; Helm synth ({@link HelmChart}) with
 * `{{ .Values.… }}`. Validators check a token's default and record their rule (pattern, enum,
 * minimum) in the value's JSON schema, so values.schema.json says what the synth-time check says.
 * `values.toggle()` makes a construct's objects (and its config.toml parts) optional.
 *
 * Values belong to the App that holds the scope given to {@link Values.of}, not to the process:
 * two Apps (two charts, two tests) may declare the same path with different defaults.
 *
 * @example
 * const values = Values.of(chart);
 * new GitLabRunnerManager(chart, 'runner', {
 *   gitlabUrl: values.string('gitlabUrl', { default: 'https://gitlab.com', description: 'URL of your GitLab' }),
 *   concurrent: values.number('concurrent', { default: 10, description: 'Most jobs at once' }),
 * });
 */
export class Values {
  /** The values of the App that holds `scope` (created on first use). */
  public static of(scope: IConstruct): Values {
    const app = App.of(scope);
    let values = BY_APP.get(app);
    if (!values) {
      values = new Values(app);
      BY_APP.set(app, values);
    }
    // Plain synth of this App replaces the tokens with their defaults, wherever they flow.
    useValues(app);
    return values;
  }

  private readonly registry = new Map<string, ValueDefinition>();

  private constructor(private readonly app: App) {}

  /** A string value. */
  public string(path: string, options: ValueOptions<string>): string {
    return `@@value:${tokenKey(this.register(path, 'string', options))}@@`;
  }

  /** A number value (a whole number unless `integer: false`). */
  public number(path: string, options: ValueOptions<number> & { readonly integer?: boolean }): number {
    return numberToken(this.register(path, options.integer === false ? 'number' : 'integer', options));
  }

  /**
   * A boolean value, for a prop that switches entries of a list or lines of config.toml (with
   * {@link whileSet}): a token typed as a boolean, true in JavaScript whatever its default, so
   * code must hand it to `whileSet` rather than branch on it.
   */
  public boolean(path: string, options: ValueOptions<boolean>): boolean {
    return `@@value:${tokenKey(this.register(path, 'boolean', options))}@@` as unknown as boolean;
  }

  /**
   * A map or list value (placement, pod labels, pull secrets): a whole field of a manifest,
   * omitted from it while empty (plain synth and chart alike). `schema` holds its entries to the
   * rules the synth holds the prop to; `itemKey` writes a list of strings as a list of objects
   * `{ [itemKey]: item }` (pull secret names as `{ name }`).
   */
  public object<T extends object>(path: string, options: ObjectValueOptions<T>): T {
    const def = this.register(path, Array.isArray(options.default) ? 'array' : 'object', options);
    if (options.itemKey !== undefined) ITEM_KEYS.set(def, options.itemKey);
    return `@@value:${tokenKey(def)}@@` as unknown as T;
  }

  /**
   * Makes every object under `scope`, and the parts of config.toml it contributes, conditional on
   * a boolean value (default true). Plain synth always holds the part, whatever the default: a
   * part whose toggle defaults to false (one that needs something the cluster may lack, such as
   * prometheus-operator's CRDs) belongs in an App built for the chart only.
   */
  public toggle(scope: IConstruct, path: string, description: string, options: { readonly default?: boolean } = {}): void {
    if (App.of(scope) !== this.app) {
      throw new Error(`Helm value "${path}": ${scope.node.path} is in another App than these values`);
    }
    this.register(path, 'boolean', { default: options.default ?? true, description });
    scope.node.addMetadata(TOGGLE_METADATA, path);
  }

  /**
   * Makes every object under `scope` conditional on one of `tokens` (values of this App) being
   * set, not empty: for objects that mean something only with a value set, such as the egress
   * rule to a proxy whose URL is a value. Plain synth holds them, as with {@link toggle}.
   */
  public when(scope: IConstruct, tokens: readonly unknown[]): void {
    const defs = tokens.map(valueOf);
    if (!defs.length || defs.some((d) => d === undefined || !this.owns(d))) {
      throw new Error(`Values.when(${scope.node.path}): every operand must be a value of this App`);
    }
    scope.node.addMetadata(TOGGLE_METADATA, [...new Set(defs.map((d) => d!.path))].join('|'));
  }

  /** Every value declared so far, by path. */
  public all(): readonly ValueDefinition[] {
    return [...this.registry.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Whether `def` is one of these values (a token from another App is not). */
  public owns(def: ValueDefinition): boolean {
    return this.registry.get(def.path) === def;
  }

  private register(path: string, type: ValueDefinition['type'], options: ValueOptions<any>): ValueDefinition {
    if (typeof path !== 'string' || !VALUE_PATH.test(path)) {
      throw new Error(`invalid Helm value path ${JSON.stringify(path)}: use dotted camelCase segments such as "runners.docker.image"`);
    }
    const jsType = type === 'integer' ? 'number' : type === 'array' ? 'object' : type;
    if (typeof options?.default !== jsType || options.default === null || (type === 'integer' && !Number.isSafeInteger(options.default))) {
      throw new Error(`invalid default ${JSON.stringify(options?.default)} for Helm value "${path}": must be a ${type === 'integer' ? 'safe integer' : type}`);
    }
    const existing = this.registry.get(path);
    if (existing && (existing.type !== type || JSON.stringify(existing.default) !== JSON.stringify(options.default))) {
      throw new Error(`Helm value "${path}" is declared twice, as ${existing.type} ${JSON.stringify(existing.default)} and ${type} ${JSON.stringify(options.default)}`);
    }
    if (existing) return existing;
    // values.yaml nests by path: "a.b" cannot hold both a value and "a.b.c".
    for (const other of this.registry.keys()) {
      if (other.startsWith(`${path}.`) || path.startsWith(`${other}.`)) {
        const [parent, child] = other.length < path.length ? [other, path] : [path, other];
        throw new Error(`Helm value "${path}" clashes with "${other}": "${parent}" cannot be both a value and the parent of "${child}"`);
      }
    }
    const optional = options.optional || type === 'object' || type === 'array' ? { optional: true } : {};
    const def: ValueDefinition = { path, type, default: options.default, description: options.description, schema: { ...(options as ObjectValueOptions<any>).schema }, ...optional };
    this.registry.set(path, def);
    DEFINITIONS.set(tokenKey(def), def);
    return def;
  }
}

/** Options of a value. */
export interface ValueOptions<T> {
  /** The default, used by plain synth and written to values.yaml. */
  readonly default: T;
  /** What the value means, for values.yaml comments and the chart README. */
  readonly description: string;
  /**
   * The field the value fills is left out of the manifest while the value is empty (`""`), as
   * an optional prop left unset would be. Always so for {@link Values.object}.
   * @default false
   */
  readonly optional?: boolean;
}

/** Options of a map or list value ({@link Values.object}). */
export interface ObjectValueOptions<T> extends ValueOptions<T> {
  /**
   * JSON-schema keywords for the value (entries, items, property names).
   * @default - only its type
   */
  readonly schema?: Record<string, unknown>;
  /**
   * Writes a list of strings into the manifest as a list of objects holding each string under
   * this key.
   * @default - the list as it is
   */
  readonly itemKey?: string;
}

/** A declared value. */
export interface ValueDefinition {
  /** Dotted path under `.Values`. */
  readonly path: string;
  /** JSON-schema type. */
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  /** The default (plain synth, values.yaml). */
  readonly default: string | number | boolean | object;
  /** What the value means. */
  readonly description: string;
  /** JSON-schema keywords recorded by the validators that checked the value. */
  readonly schema: Record<string, unknown>;
  /**
   * Left out of the manifest while empty.
   * @default false
   */
  readonly optional?: boolean;
}

const TOGGLE_METADATA = 'cdk8s-gitlab-runner/toggle';
const VALUE_PATH = /^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*)*$/;
/** A token's marker in text: `@@value:<path>#<id>@@`; the id tells Apps apart. */
const MARKER = /@@value:([a-zA-Z0-9.]+#\d+)@@/g;
// Reserved floats, far outside any real prop, one per number value (exact in IEEE 754 doubles).
const NUMBER_BASE = 1.2345678901234567e+300;
// Ids step by 1e-14 (about 45 ulps apart); the text keeps "1.2345" for the first 10^8 ids.
const NUMBER_TEXT = /1\.2345\d*e\+300/;

const BY_APP = new WeakMap<App, Values>();
const ITEM_KEYS = new WeakMap<ValueDefinition, string>();
// Tokens are unique in the process (a token knows its definition without knowing its App).
const DEFINITIONS = new Map<string, ValueDefinition>();
const IDS = new WeakMap<ValueDefinition, number>();
const numberTokens = new Map<number, ValueDefinition>();
let nextId = 0;

/** `<path>#<id>`: what a marker holds. */
export function tokenKey(def: ValueDefinition): string {
  let id = IDS.get(def);
  if (id === undefined) {
    id = nextId++;
    IDS.set(def, id);
  }
  return `${def.path}#${id}`;
}

function numberToken(def: ValueDefinition): number {
  for (const [n, d] of numberTokens) if (d === def) return n;
  const n = NUMBER_BASE * (1 + IDS.get(def)! * 1e-14);
  numberTokens.set(n, def);
  return n;
}

/** The definition behind a marker's `<path>#<id>`. */
export function definitionOf(key: string): ValueDefinition | undefined {
  return DEFINITIONS.get(key);
}

/** The value a token stands for, if `x` is a whole token. */
export function valueOf(x: unknown): ValueDefinition | undefined {
  if (typeof x === 'number') return numberTokens.get(x);
  if (typeof x === 'string') {
    const m = /^@@value:([a-zA-Z0-9.]+#\d+)@@$/.exec(x);
    return m ? DEFINITIONS.get(m[1]) : undefined;
  }
  return undefined;
}

/** Whether `x` holds a token anywhere (a string may embed several, or a number token's text). */
export function hasValues(x: unknown): boolean {
  return (typeof x === 'number' && numberTokens.has(x))
    || (typeof x === 'string' && (withoutValueTokens(x) !== x || (numberTokens.size > 0 && NUMBER_TEXT.test(x))));
}

/**
 * A string with number tokens written as text (e.g. `JSON.stringify` of an object holding one)
 * turned into markers, so text only ever carries tokens one way.
 */
export function markNumbers(x: string): string {
  if (numberTokens.size === 0 || !NUMBER_TEXT.test(x)) return x;
  return x.replace(new RegExp(NUMBER_TEXT.source, 'g'), (text) => {
    const def = numberTokens.get(Number(text));
    return def ? `@@value:${tokenKey(def)}@@` : text;
  });
}

/**
 * `x` with every token (a marker naming a declared value) replaced by `_`, and every condition
 * ({@link whileSet}) removed: what is left is the user's own text, for checks that refuse the
 * library's marker syntax in it.
 */
export function withoutValueTokens(x: string): string {
  return withoutConditions(markNumbers(x)).replace(MARKER, (m, k) => (DEFINITIONS.has(k) ? '_' : m));
}

/**
 * A condition's marker before a string: `@@if:<key>[|<key>…]@@`, true while one of those values
 * is set. Only a marker naming declared values is one (user text that looks like it is not).
 */
const CONDITION = /@@if:([a-zA-Z0-9.]+#\d+(?:\|[a-zA-Z0-9.]+#\d+)*)@@/g;

/**
 * Marks `text` so that what holds it (a list entry such as an env var, a volume or a mount; a
 * config.toml line) is written only while one of `tokens` is set (not empty, zero or false).
 * Plain synth keeps or drops it by the values' defaults; the chart wraps it in `{{- if }}`. An
 * operand that is no Helm value counts by its own truth: a set one makes `text` unconditional.
 *
 * @example
 * env.push({ name: whileSet([httpsProxy], 'HTTPS_PROXY'), value: httpsProxy });
 */
export function whileSet(tokens: readonly unknown[], text: string): string {
  const keys: string[] = [];
  for (const t of tokens) {
    const def = valueOf(t);
    if (!def) {
      if (t) return text;
      continue;
    }
    keys.push(tokenKey(def));
  }
  return keys.length ? `@@if:${[...new Set(keys)].join('|')}@@${text}` : text;
}

/**
 * The conditions of the markers in `x`, deep: each a list of value paths of which one must be set
 * (all conditions must hold).
 */
export function conditionsOf(x: unknown): string[][] {
  if (typeof x === 'string') {
    return [...x.matchAll(CONDITION)].map((m) => m[1].split('|')).filter((keys) => keys.every((k) => DEFINITIONS.has(k))).map((keys) => keys.map((k) => DEFINITIONS.get(k)!.path));
  }
  if (Array.isArray(x)) return x.flatMap(conditionsOf);
  if (x !== null && typeof x === 'object') return Object.values(x).flatMap(conditionsOf);
  return [];
}

/** `x` with the markers of its conditions removed, deep. */
export function withoutConditions<T>(x: T): T {
  if (typeof x === 'string') return x.replace(CONDITION, (m, keys: string) => (keys.split('|').every((k) => DEFINITIONS.has(k)) ? '' : m)) as T;
  if (Array.isArray(x)) return x.map(withoutConditions) as T;
  if (x !== null && typeof x === 'object' && x.constructor === Object) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, withoutConditions(v)])) as T;
  return x;
}

/** Whether every condition holds by the values' defaults (what plain synth writes). */
function holdByDefault(conditions: readonly string[][]): boolean {
  if (!conditions.length) return true;
  const byPath = new Map([...DEFINITIONS.values()].map((d) => [d.path, d]));
  const set = (d: ValueDefinition | undefined) => d !== undefined && Boolean(d.default) && !(typeof d.default === 'object' && Object.keys(d.default).length === 0);
  return conditions.every((paths) => paths.some((p) => set(byPath.get(p))));
}

/**
 * The conditions of a list entry: those of its strings outside any list it holds (an entry of an
 * inner list is that list's own), as the chart writer brackets the innermost entry.
 */
function entryConditions(x: unknown): string[][] {
  if (typeof x === 'string') return conditionsOf(x);
  if (x !== null && typeof x === 'object' && !Array.isArray(x)) return Object.values(x).flatMap(entryConditions);
  return [];
}

/** `x` without the markers {@link entryConditions} finds. */
function withoutEntryConditions<T>(x: T): T {
  if (typeof x === 'string') return withoutConditions(x);
  if (x !== null && typeof x === 'object' && x.constructor === Object) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, Array.isArray(v) ? v : withoutEntryConditions(v)])) as T;
  return x;
}

/** Whether a list holds a conditional entry. */
function hasConditionalEntries(list: readonly unknown[]): boolean {
  return list.some((item) => entryConditions(item).length > 0);
}

/** A list as plain synth writes it: the entries whose conditions hold by default, unmarked. */
function plainList(list: readonly unknown[]): unknown[] {
  return list.filter((item) => holdByDefault(entryConditions(item))).map(withoutEntryConditions);
}

/**
 * The key under which {@link Values.object} writes each string of a list value, if any.
 */
export function itemKeyOf(def: ValueDefinition): string | undefined {
  return ITEM_KEYS.get(def);
}

/** Whether a value is a map or list ({@link Values.object}): a whole field, or spread into a map as a key. */
export function isObjectValue(def: ValueDefinition | undefined): boolean {
  return def?.type === 'object' || def?.type === 'array';
}

/** What an optional value writes into a manifest: nothing while empty, list items under their key. */
export function manifestValue(def: ValueDefinition): unknown {
  const d = def.default;
  if (d === '' || (Array.isArray(d) && d.length === 0) || (typeof d === 'object' && Object.keys(d).length === 0)) return undefined;
  const key = ITEM_KEYS.get(def);
  return key !== undefined && Array.isArray(d) ? d.map((item) => ({ [key]: item })) : structuredClone(d);
}

/** `x` with every token replaced by its default: what plain synth emits, and what checks compare. */
export function concrete<T>(x: T): T {
  if (typeof x === 'number') return (numberTokens.has(x) ? numberTokens.get(x)!.default : x) as T;
  // A map or list value stands for its default as a whole (a copy: checks must not change it),
  // and so does a boolean value.
  if (typeof x === 'string' && (isObjectValue(valueOf(x)) || valueOf(x)?.type === 'boolean')) return structuredClone(valueOf(x)!.default) as T;
  // A marker naming no declared value is not a token (user text that looks like one): left as
  // it is, for the checks to refuse, rather than failing here with a TypeError.
  if (typeof x === 'string') return withoutConditions(plainLines(markNumbers(x))).replace(MARKER, (m, k) => (DEFINITIONS.has(k) ? String(DEFINITIONS.get(k)!.default) : m)) as T;
  return x;
}

/** Text as plain synth writes it: a line whose conditions do not hold by default is left out. */
function plainLines(x: string): string {
  if (!x.includes('\n') || !x.includes('@@if:')) return x;
  return x.split('\n').filter((line) => holdByDefault(conditionsOf(line))).join('\n');
}

/**
 * Text for a Helm template that is not YAML (NOTES.txt): each token as `{{ .Values.<path> }}`.
 * Template actions written by the caller are kept.
 */
export function templateText(x: string): string {
  return markNumbers(x).replace(MARKER, (_m, k) => `{{ .Values.${DEFINITIONS.get(k)!.path} }}`);
}

/**
 * {@link concrete} through arrays and objects, keys included, as plain synth writes them: an
 * optional value left out while empty, a map value as a key spread into its map.
 */
export function concreteDeep<T>(x: T): T {
  // Text (config.toml) leaves out the line of a conditional string: its key, or its list item.
  const held = (v: unknown) => typeof v !== 'string' || holdByDefault(conditionsOf(v));
  if (Array.isArray(x)) return x.filter(held).map(concreteDeep) as T;
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(Object.entries(x).flatMap(([k, v]) => {
      if (isObjectValue(valueOf(k))) return Object.entries(concrete(k as unknown) as object);
      if (!held(v)) return [];
      const def = valueOf(v);
      if (def?.optional) return manifestValue(def) === undefined ? [] : [[concrete(k), manifestValue(def)]];
      return [[concrete(k), concreteDeep(v)]];
    })) as T;
  }
  return concrete(x);
}

/** Records schema keywords for the value behind a whole token (no-op for plain values). */
export function constrain(x: unknown, schema: Record<string, unknown>): void {
  const def = valueOf(x);
  if (!def) return;
  // A value checked by several validators keeps the tightest bounds of all of them.
  for (const [k, v] of Object.entries(schema)) {
    const had = def.schema[k];
    if (typeof had === 'number' && typeof v === 'number' && (k === 'maxLength' || k === 'maximum')) def.schema[k] = Math.min(had, v);
    else if (typeof had === 'number' && typeof v === 'number' && (k === 'minLength' || k === 'minimum')) def.schema[k] = Math.max(had, v);
    else def.schema[k] = v;
  }
}

/** The toggle paths that switch `scope` on, from the innermost out. */
export function togglesOf(scope: IConstruct): string[] {
  return scope.node.scopes.flatMap((s) => s.node.metadata.filter((m) => m.type === TOGGLE_METADATA).map((m) => m.data as string));
}

/** Number tokens and their definitions, for the chart writer. */
export function numberTokenEntries(): ReadonlyArray<[number, ValueDefinition]> {
  return [...numberTokens.entries()];
}

/** How synthesis renders tokens. */
export type RenderMode = 'plain' | 'helm';
// The Apps being written as a chart: the mode belongs to an App, so another App synthesized
// meanwhile (a test, a second stack) renders plain.
const HELM_APPS = new WeakSet<App>();

/** How the App holding `scope` renders tokens now. */
export function renderMode(scope: IConstruct): RenderMode {
  return HELM_APPS.has(App.of(scope)) ? 'helm' : 'plain';
}

/** Runs `fn` with the tokens of `app` kept as markers (for the Helm chart writer). */
export function inHelmMode<T>(app: App, fn: () => T): T {
  if (HELM_APPS.has(app)) return fn();
  HELM_APPS.add(app);
  try {
    return fn();
  } finally {
    HELM_APPS.delete(app);
  }
}

/** Replaces tokens with their defaults during plain synth; leaves them for the chart writer. */
class ValuesResolver implements IResolver {
  public resolve(context: ResolutionContext): void {
    if (renderMode(context.obj) !== 'plain') {
      // The typed bindings' toJson would take a map or list value's token apart (a string where
      // they expect an object): the field is kept aside for the chart writer, and left out here.
      const def = valueOf(context.value);
      if (Array.isArray(context.value) && context.value.some(isListSpread)) {
        // A list value as an entry of a list (extra env): taken out here, put back at its place
        // by the chart writer, which writes one entry per item of the value.
        const fields = HELM_FIELDS.get(context.obj) ?? new Map<string, HelmField>();
        context.value.forEach((item: unknown, i: number) => {
          if (isListSpread(item)) fields.set([...context.key, String(i)].join('\u0000'), { path: [...context.key, String(i)], token: item as string, insert: true });
        });
        HELM_FIELDS.set(context.obj, fields);
        context.replaceValue(context.value.filter((item: unknown) => !isListSpread(item)));
        return;
      }
      if (isObjectValue(def)) {
        const fields = HELM_FIELDS.get(context.obj) ?? new Map<string, HelmField>();
        fields.set(context.key.join('\u0000'), { path: [...context.key], token: context.value });
        HELM_FIELDS.set(context.obj, fields);
        context.replaceValue(undefined);
      }
      return;
    }
    const value = context.value;
    const def = valueOf(value);
    if (Array.isArray(value) && hasConditionalEntries(value)) {
      // Conditional list entries: kept or dropped by the defaults, their markers removed; a list
      // left empty by them is left out, as the chart leaves out a field all of whose entries go.
      const kept = plainList(value);
      context.replaceValue(kept.length ? kept : undefined);
    } else if (Array.isArray(value) && value.some(isListSpread)) {
      // A list value as an entry of a list: its items in its place; a list that was only such
      // values and is left empty is left out.
      const spread = value.flatMap((item) => (isListSpread(item) ? structuredClone(valueOf(item)!.default as unknown[]) : [item]));
      context.replaceValue(spread.length || !value.every(isListSpread) ? spread : undefined);
    } else if (def?.optional) {
      // A whole optional field: left out while empty.
      context.replaceValue(manifestValue(def));
    } else if (hasValues(value)) {
      context.replaceValue(concrete(value));
    } else if (value?.constructor === Object && Object.keys(value).some(hasValues)) {
      // Resolvers see values, not keys: a map keyed by a value (node labels) is rebuilt, and a
      // map value as a key (extra pod labels) spreads its entries into the map.
      const entries = Object.entries(value).flatMap(([k, v]) => (isObjectValue(valueOf(k)) ? Object.entries(concrete(k as unknown) as object) : [[concrete(k), v]]));
      context.replaceValue(entries.length ? Object.fromEntries(entries) : undefined);
    }
  }
}

const RESOLVER = new ValuesResolver();

/** A place in an object's JSON that a map or list value fills. */
export interface HelmField {
  /** Path of the field, or of the list entry (its index last). */
  readonly path: string[];
  /** The value's token. */
  readonly token: string;
  /** A list value as an entry of a list: inserted at that index, not set as the field. */
  readonly insert?: boolean;
}
const HELM_FIELDS = new WeakMap<object, Map<string, HelmField>>();

/** Whether `x` is a list value standing as an entry of a list (its items spread there). */
function isListSpread(x: unknown): boolean {
  return valueOf(x)?.type === 'array';
}

/**
 * The fields of an object that a map or list value fills, as the chart writer's synth left them
 * out: their paths in the object's JSON and their tokens, to be put back before rendering.
 */
export function helmFieldsOf(obj: object): readonly HelmField[] {
  return [...(HELM_FIELDS.get(obj)?.values() ?? [])];
}

/** Installs the resolver in the app of `scope` (once); every construct that takes values calls it. */
export function useValues(scope: IConstruct): void {
  const resolvers = App.of(scope).resolvers as IResolver[];
  if (!resolvers.includes(RESOLVER)) resolvers.unshift(RESOLVER);
}
