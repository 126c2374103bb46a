import { Code, Expr, Plan, Props } from './plan';

// Writes a Plan as a main.ts in the shape `init` writes: a Chart class using the library's public
// API, and the App only when run as the entry point (so a test can build the chart itself).

/** The package the generated code imports the library from. */
export const LIBRARY = 'cdk8s-gitlab-runner';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `value` as a TypeScript literal, indented for nesting level `depth`. */
function literal(value: Expr, depth: number, imports: Map<string, Set<string>>): string {
  if (value instanceof Code) {
    for (const [mod, names] of Object.entries(value.imports)) for (const n of names) use(imports, mod, n);
    return value.text;
  }
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const items = value.map((v) => literal(v, depth + 1, imports));
    const oneLine = `[${items.join(', ')}]`;
    return oneLine.length <= 80 && !oneLine.includes('\n') ? oneLine : `[\n${items.map((i) => `${pad(depth + 1)}${i},`).join('\n')}\n${pad(depth)}]`;
  }
  return object(value as Props, depth, imports);
}

function object(props: Props, depth: number, imports: Map<string, Set<string>>): string {
  const entries = Object.entries(props).filter(([, v]) => v !== undefined) as Array<[string, Expr]>;
  if (entries.length === 0) return '{}';
  const parts = entries.map(([k, v]) => `${IDENTIFIER.test(k) ? k : quote(k)}: ${literal(v, depth + 1, imports)}`);
  const oneLine = `{ ${parts.join(', ')} }`;
  if (oneLine.length <= 80 && !oneLine.includes('\n')) return oneLine;
  return `{\n${parts.map((p) => `${pad(depth + 1)}${p},`).join('\n')}\n${pad(depth)}}`;
}

function quote(s: string): string {
  return `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, '\\\'')}'`;
}

function pad(depth: number): string {
  return '  '.repeat(depth);
}

function use(imports: Map<string, Set<string>>, mod: string, name: string): void {
  if (!imports.has(mod)) imports.set(mod, new Set());
  imports.get(mod)!.add(name);
}

/** main.ts for `plan`; `header` lines become its opening comment. */
export function emitMainTs(plan: Plan, header: readonly string[]): string {
  const imports = new Map<string, Set<string>>();
  use(imports, 'cdk8s', 'App');
  use(imports, 'cdk8s', 'Chart');
  use(imports, 'cdk8s', 'ChartProps');
  use(imports, 'constructs', 'Construct');
  use(imports, LIBRARY, 'GitLabRunnerManager');
  const body: string[] = [];
  const d = 2;
  body.push(`${pad(d)}const manager = new GitLabRunnerManager(this, 'manager', ${object(plan.manager, d, imports)});`);
  for (const pool of plan.pools) {
    use(imports, LIBRARY, 'ExistingNodePool');
    body.push(`${pad(d)}const ${pool.variable} = new ExistingNodePool(this, ${quote(pool.id)}, ${object(pool.props, d, imports)});`);
  }
  for (const cache of plan.caches) {
    use(imports, LIBRARY, cache.className);
    body.push(`${pad(d)}const ${cache.variable} = new ${cache.className}(this, ${quote(cache.id)}, ${object(cache.props, d, imports)});`);
  }
  for (const r of plan.runners) {
    const call = `manager.${r.method}(${quote(r.name)}, ${object(r.options, d, imports)})`;
    body.push(`${pad(d)}${call}${r.cache ? `.useCache(${r.cache})` : ''};`);
  }
  if (plan.monitoring) {
    use(imports, LIBRARY, 'RunnerMonitoring');
    body.push(`${pad(d)}new RunnerMonitoring(this, 'monitoring', ${object(plan.monitoring, d, imports)});`);
  }
  const importLines = [...imports.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([mod, names]) => `import { ${[...names].sort((a, b) => a.localeCompare(b)).join(', ')} } from '${mod}';`);
  return [
    ...header.map((l) => (l ? `// ${l}` : '//')),
    ...importLines,
    '',
    '/** The runner manager, its runners and their caches, converted from the official chart\'s values. */',
    'export class ImportedRunners extends Chart {',
    '  constructor(scope: Construct, id: string, props: ChartProps = {}) {',
    '    super(scope, id, props);',
    ...body,
    '  }',
    '}',
    '',
    'if (require.main === module) {',
    '  const app = new App();',
    '  new ImportedRunners(app, \'gitlab-runner\');',
    '  app.synth();',
    '}',
    '',
  ].join('\n');
}
