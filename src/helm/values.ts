import { App, IResolver, ResolutionContext } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * Helm values bound to construct props.
 *
 * `Values.string()` and `Values.number()` return tokens: a marker string, or a reserved float,
 * that stand for the value wherever the prop flows (object fields, config.toml, labels). Plain
 * synth replaces each token with its default; Helm synth ({@link HelmChart}) with
 * `{{ .Values.… }}`. Validators check a token's default and record their rule (pattern, enum,
 * minimum) in the value's JSON schema, so values.schema.json says what the synth-time check says.
 * `Values.toggle()` makes a construct's objects (and its config.toml parts) optional.
 *
 * @example
 * new GitLabRunnerManager(chart, 'runner', {
 *   gitlabUrl: Values.string('gitlabUrl', { default: 'https://gitlab.com', description: 'URL of your GitLab' }),
 *   concurrent: Values.number('concurrent', { default: 10, description: 'Most jobs at once' }),
 * });
 */
export class Values {
  /** A string value. */
  public static string(path: string, options: ValueOptions<string>): string {
    return `@@value:${register(path, 'string', options)}@@`;
  }

  /** A number value (a whole number unless `integer: false`). */
  public static number(path: string, options: ValueOptions<number> & { readonly integer?: boolean }): number {
    register(path, options.integer === false ? 'number' : 'integer', options);
    return numberToken(path);
  }

  /**
   * Makes every object under `scope`, and the parts of config.toml it contributes, conditional on
   * a boolean value (default true: plain synth always holds the part).
   */
  public static toggle(scope: IConstruct, path: string, description: string): void {
    register(path, 'boolean', { default: true, description });
    scope.node.addMetadata(TOGGLE_METADATA, path);
  }

  /** Every value declared so far, by path. */
  public static all(): readonly ValueDefinition[] {
    return [...registry.values()].sort((a, b) => a.path.localeCompare(b.path));
  }
}

/** Options of a value. */
export interface ValueOptions<T> {
  /** The default, used by plain synth and written to values.yaml. */
  readonly default: T;
  /** What the value means, for values.yaml comments and the chart README. */
  readonly description: string;
}

/** A declared value. */
export interface ValueDefinition {
  /** Dotted path under `.Values`. */
  readonly path: string;
  /** JSON-schema type. */
  readonly type: 'string' | 'integer' | 'number' | 'boolean';
  /** The default (plain synth, values.yaml). */
  readonly default: string | number | boolean;
  /** What the value means. */
  readonly description: string;
  /** JSON-schema keywords recorded by the validators that checked the value. */
  readonly schema: Record<string, unknown>;
}

const TOGGLE_METADATA = 'cdk8s-gitlab-runner/toggle';
const VALUE_PATH = /^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*)*$/;
const MARKER = /@@value:([a-zA-Z0-9.]+)@@/g;
// Reserved floats, far outside any real prop, one per number value (exact in IEEE 754 doubles).
const NUMBER_BASE = 1.2345678901234567e+300;
const NUMBER_TEXT = /1\.234567890\d*e\+300/;

const registry = new Map<string, ValueDefinition>();
const numberTokens = new Map<number, string>();

function register(path: string, type: ValueDefinition['type'], options: ValueOptions<any>): string {
  if (!VALUE_PATH.test(path)) {
    throw new Error(`invalid Helm value path "${path}": use dotted camelCase segments such as "runners.docker.image"`);
  }
  if (typeof options.default !== (type === 'integer' ? 'number' : type)) {
    throw new Error(`invalid default ${JSON.stringify(options.default)} for Helm value "${path}": must be a ${type}`);
  }
  const existing = registry.get(path);
  if (existing && (existing.type !== type || existing.default !== options.default)) {
    throw new Error(`Helm value "${path}" is declared twice, as ${existing.type} ${JSON.stringify(existing.default)} and ${type} ${JSON.stringify(options.default)}`);
  }
  if (!existing) registry.set(path, { path, type, default: options.default, description: options.description, schema: {} });
  return path;
}

function numberToken(path: string): number {
  for (const [n, p] of numberTokens) if (p === path) return n;
  const n = NUMBER_BASE * (1 + numberTokens.size * 1e-12);
  numberTokens.set(n, path);
  return n;
}

/** The value a token stands for, if `x` is a whole token. */
export function valueOf(x: unknown): ValueDefinition | undefined {
  if (typeof x === 'number') return numberTokens.has(x) ? registry.get(numberTokens.get(x)!) : undefined;
  if (typeof x === 'string') {
    const m = /^@@value:([a-zA-Z0-9.]+)@@$/.exec(x);
    return m ? registry.get(m[1]) : undefined;
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
  let out = x;
  for (const [n, p] of numberTokens) out = out.split(String(n)).join(`@@value:${p}@@`);
  return out;
}

/**
 * `x` with every token (a marker naming a declared value) replaced by `_`: what is left is the
 * user's own text, for checks that refuse the library's marker syntax in it.
 */
export function withoutValueTokens(x: string): string {
  return markNumbers(x).replace(MARKER, (m, p) => (registry.has(p) ? '_' : m));
}

/** `x` with every token replaced by its default: what plain synth emits, and what checks compare. */
export function concrete<T>(x: T): T {
  if (typeof x === 'number') return (numberTokens.has(x) ? registry.get(numberTokens.get(x)!)!.default : x) as T;
  // A marker naming no declared value is not a token (user text that looks like one): left as
  // it is, for the checks to refuse, rather than failing here with a TypeError.
  if (typeof x === 'string') return markNumbers(x).replace(MARKER, (m, p) => (registry.has(p) ? String(registry.get(p)!.default) : m)) as T;
  return x;
}

/** {@link concrete} through arrays and objects, keys included. */
export function concreteDeep<T>(x: T): T {
  if (Array.isArray(x)) return x.map(concreteDeep) as T;
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [concrete(k), concreteDeep(v)])) as T;
  }
  return concrete(x);
}

/** Records schema keywords for the value behind a whole token (no-op for plain values). */
export function constrain(x: unknown, schema: Record<string, unknown>): void {
  const def = valueOf(x);
  if (def) Object.assign(def.schema, schema);
}

/** The toggle paths that switch `scope` on, from the innermost out. */
export function togglesOf(scope: IConstruct): string[] {
  return scope.node.scopes.flatMap((s) => s.node.metadata.filter((m) => m.type === TOGGLE_METADATA).map((m) => m.data as string));
}

/** Number tokens and their paths, for the chart writer. */
export function numberTokenEntries(): ReadonlyArray<[number, string]> {
  return [...numberTokens.entries()];
}

/** How synthesis renders tokens. */
export type RenderMode = 'plain' | 'helm';
let mode: RenderMode = 'plain';

export function renderMode(): RenderMode {
  return mode;
}

/** Runs `fn` with tokens kept as markers (for the Helm chart writer). */
export function inHelmMode<T>(fn: () => T): T {
  const previous = mode;
  mode = 'helm';
  try {
    return fn();
  } finally {
    mode = previous;
  }
}

/** Replaces tokens with their defaults during plain synth; leaves them for the chart writer. */
class ValuesResolver implements IResolver {
  public resolve(context: ResolutionContext): void {
    if (mode !== 'plain') return;
    const value = context.value;
    if (hasValues(value)) {
      context.replaceValue(concrete(value));
    } else if (value?.constructor === Object && Object.keys(value).some(hasValues)) {
      // Resolvers see values, not keys: a map keyed by a value (node labels) is rebuilt.
      context.replaceValue(Object.fromEntries(Object.entries(value).map(([k, v]) => [concrete(k), v])));
    }
  }
}

const RESOLVER = new ValuesResolver();

/** Installs the resolver in the app of `scope` (once); every construct that takes values calls it. */
export function useValues(scope: IConstruct): void {
  const resolvers = App.of(scope).resolvers as IResolver[];
  if (!resolvers.includes(RESOLVER)) resolvers.unshift(RESOLVER);
}

/** Forgets every value (tests). */
export function resetValues(): void {
  registry.clear();
  numberTokens.clear();
}
