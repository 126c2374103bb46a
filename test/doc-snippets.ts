// The TypeScript snippets of the documentation, as compilable modules.
//
// Every ```ts / ```typescript block of README.md, docs/guides/*.md and examples/*/README.md is a
// snippet. test/doc-snippets.test.ts type-checks them all against src/ (one program), and
// scripts/consumer-test.js writes the same modules into an app that installed the packed package
// and type-checks them there (and runs the complete programs among them), so the docs cannot
// drift from the API nor use something the package does not export.
//
// A snippet is compiled as written, its imports included. A fragment may use a few names the
// surrounding prose has already introduced (`chart`, `manager`...): the PRELUDE below declares
// those, and only those a snippet uses without declaring them itself. Anything else it uses, it
// imports. A block that cannot compile on purpose (an error shown, pseudo-code) is opted out by a
// marker on the line right before its fence, with a reason:
//   <!-- snippet: no-compile (why) -->
// A marker without a reason, or not followed by a TypeScript block, is a problem the test reports.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** The Markdown files whose TypeScript blocks are snippets, relative to the repository root. */
export function snippetSources(root: string): string[] {
  const dir = (d: string) => (fs.existsSync(path.join(root, d)) ? fs.readdirSync(path.join(root, d)).sort() : []);
  return [
    'README.md',
    ...dir('docs/guides').filter((f) => f.endsWith('.md')).map((f) => `docs/guides/${f}`),
    ...dir('examples').map((e) => `examples/${e}/README.md`).filter((f) => fs.existsSync(path.join(root, f))),
  ];
}

export interface DocSnippet {
  /** The Markdown file, relative to the repository root (forward slashes). */
  readonly file: string;
  /** The 1-based line of the opening fence. */
  readonly line: number;
  /** The block's code, its fence's indentation removed. */
  readonly code: string;
  /** The reason of a `no-compile` marker, when the block has one. */
  readonly noCompile?: string;
}

export interface ExtractedSnippets {
  readonly snippets: DocSnippet[];
  /** Marker errors, each as "file:line: message". */
  readonly problems: string[];
}

const FENCE = /^( *)(`{3,}|~{3,})\s*([\w+-]*)/;
const MARKER = /^\s*<!--\s*snippet:\s*no-compile\b\s*(?:\((.*)\))?\s*-->\s*$/;
const ANY_MARKER = /<!--\s*snippet:/;

/** The TypeScript blocks of one Markdown text; `file` names it in the results. */
export function extractSnippets(markdown: string, file: string): ExtractedSnippets {
  const lines = markdown.split('\n');
  const snippets: DocSnippet[] = [];
  const problems: string[] = [];
  let pendingMarker: { line: number; reason?: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    if (ANY_MARKER.test(text)) {
      const m = MARKER.exec(text);
      if (!m) problems.push(`${file}:${i + 1}: unknown snippet marker; write <!-- snippet: no-compile (reason) -->`);
      else if (!m[1]?.trim()) problems.push(`${file}:${i + 1}: a no-compile marker needs a reason: <!-- snippet: no-compile (reason) -->`);
      pendingMarker = { line: i + 1, reason: m?.[1]?.trim() || undefined };
      continue;
    }
    const open = FENCE.exec(text);
    if (!open) {
      if (pendingMarker) problems.push(`${file}:${pendingMarker.line}: a snippet marker must be on the line right before a \`\`\`ts fence`);
      pendingMarker = undefined;
      continue;
    }
    // Find the closing fence: same character, at least as long, nothing after it.
    const [, indent, fence, lang] = open;
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^ *${fence[0]}{${fence.length},}\\s*$`).test(lines[end])) end++;
    const isTs = lang === 'ts' || lang === 'typescript';
    if (isTs) {
      const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
      snippets.push({ file, line: i + 1, code: body.join('\n'), ...(pendingMarker ? { noCompile: pendingMarker.reason ?? '' } : {}) });
    } else if (pendingMarker) {
      problems.push(`${file}:${pendingMarker.line}: a snippet marker must be on the line right before a \`\`\`ts fence, not \`\`\`${lang}`);
    }
    pendingMarker = undefined;
    i = end;
  }
  if (pendingMarker) problems.push(`${file}:${pendingMarker.line}: a snippet marker must be on the line right before a \`\`\`ts fence`);
  return { snippets, problems };
}

/** All snippets of the documentation (see snippetSources). */
export function extractAll(root: string): ExtractedSnippets {
  const snippets: DocSnippet[] = [];
  const problems: string[] = [];
  for (const file of snippetSources(root)) {
    const r = extractSnippets(fs.readFileSync(path.join(root, file), 'utf8'), file);
    snippets.push(...r.snippets);
    problems.push(...r.problems);
  }
  return { snippets, problems };
}

/**
 * The names a fragment may use without declaring them: what the prose around it has introduced.
 * Types are written `import('…')` so the prelude never clashes with the snippet's own imports.
 * Keep this list short: a snippet that needs more should declare or import it.
 */
export const PRELUDE: ReadonlyArray<{ readonly name: string; readonly declaration: string }> = [
  { name: 'app', declaration: "declare const app: import('cdk8s').App;" },
  { name: 'chart', declaration: "declare const chart: import('cdk8s').Chart;" },
  { name: 'manager', declaration: "declare const manager: import('cdk8s-gitlab-runner').GitLabRunnerManager;" },
  { name: 'runner', declaration: "declare const runner: import('cdk8s-gitlab-runner').Runner;" },
  { name: 'cache', declaration: "declare const cache: import('cdk8s-gitlab-runner').MinioCache;" },
];

/**
 * Modules a snippet imports by a relative path, standing for the reader's own code. They live
 * beside the snippets' folder (SNIPPET_DIR), at the path the snippet's import names.
 */
export const STUB_MODULES: Readonly<Record<string, string>> = {
  // docs/guides/snapshot-testing.md tests "your" chart: a manager with a DinD runner named
  // docker on a pool labelled ci.example.com/pool=privileged, as its assertions expect.
  'src/runners.ts': `import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ExistingNodePool, GitLabRunnerManager } from 'cdk8s-gitlab-runner';

export class PlatformRunners extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const pool = new ExistingNodePool(this, 'privileged', {
      taint: { key: 'dedicated', value: 'gitlab-privileged-builds' },
      nodeLabel: { key: 'ci.example.com/pool', value: 'privileged' },
    });
    const manager = new GitLabRunnerManager(this, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
    manager.addDindRunner('docker', { token: { secretName: 'docker-runner-token' }, nodePool: pool });
  }
}
`,
};

/** The folder, relative to a compilation root, that holds the snippet modules. */
export const SNIPPET_DIR = 'snippets';

export interface SnippetModule {
  readonly snippet: DocSnippet;
  /** Path relative to the compilation root, e.g. snippets/README-md-L76.ts. */
  readonly fileName: string;
  readonly text: string;
  /** The prelude names it got. */
  readonly prelude: string[];
  /** Lines before the snippet's first code line (the prelude). */
  readonly offset: number;
  /** A complete program: it creates an App and synthesizes it. */
  readonly isProgram: boolean;
  /** A jest test file: it calls test() and expect(). */
  readonly isTest: boolean;
}

/** The top-level names a snippet declares (imports, variables, classes, functions...). */
function declaredNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const addBinding = (n: ts.BindingName) => {
    if (ts.isIdentifier(n)) names.add(n.text);
    else for (const e of n.elements) if (!ts.isOmittedExpression(e)) addBinding(e.name);
  };
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && s.importClause) {
      const c = s.importClause;
      if (c.name) names.add(c.name.text);
      if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) names.add(c.namedBindings.name.text);
      if (c.namedBindings && ts.isNamedImports(c.namedBindings)) for (const e of c.namedBindings.elements) names.add(e.name.text);
    } else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) addBinding(d.name);
    } else if ((ts.isClassDeclaration(s) || ts.isFunctionDeclaration(s) || ts.isInterfaceDeclaration(s)
      || ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s)) && s.name) {
      names.add(s.name.text);
    }
  }
  return names;
}

function usedIdentifiers(source: ts.SourceFile): Set<string> {
  const used = new Set<string>();
  const visit = (n: ts.Node) => {
    if (ts.isIdentifier(n)) used.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(source);
  return used;
}

/** The module a snippet compiles as: the prelude names it needs, its code, `export {}`. */
export function toModule(snippet: DocSnippet): SnippetModule {
  const source = ts.createSourceFile('snippet.ts', snippet.code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const declared = declaredNames(source);
  const used = usedIdentifiers(source);
  const prelude = PRELUDE.filter((p) => used.has(p.name) && !declared.has(p.name));
  const head = prelude.map((p) => p.declaration);
  // `export {}` makes every snippet a module (isolatedModules; no shared global scope).
  const text = [...head, snippet.code, 'export {};', ''].join('\n');
  const fileName = `${SNIPPET_DIR}/${snippet.file.replace(/[^\w]+/g, '-')}-L${snippet.line}.ts`;
  const isProgram = /\bnew App\(/.test(snippet.code) && /\.synth\(\)/.test(snippet.code);
  const isTest = /\btest\(/.test(snippet.code) && /\bexpect\(/.test(snippet.code);
  return { snippet, fileName, text, prelude: prelude.map((p) => p.name), offset: head.length, isProgram, isTest };
}

/** The Markdown line of a 0-based line of a snippet module. */
export function markdownLine(module: SnippetModule, moduleLine: number): number {
  return module.snippet.line + 1 + (moduleLine - module.offset);
}

/**
 * Compiler options for the snippets, from a tsconfig's: the same strictness, except unused
 * locals and parameters, which a fragment has by nature (it declares what the reader goes on to
 * use, and an import line lists what a file will use).
 */
export function snippetCompilerOptions(options: ts.CompilerOptions): ts.CompilerOptions {
  return { ...options, noEmit: true, noUnusedLocals: false, noUnusedParameters: false, incremental: false, declaration: false };
}

export interface SnippetDiagnostic {
  /** "file.md:line" of the snippet's Markdown. */
  readonly where: string;
  readonly message: string;
}

/**
 * Type-checks snippet modules in one program. `root` is the folder they are laid out under (the
 * modules at their fileName, the STUB_MODULES beside them); nothing is written there. `options`
 * are the compiler options, including `paths` when the package is resolved from source.
 */
export function typeCheck(modules: SnippetModule[], root: string, options: ts.CompilerOptions): SnippetDiagnostic[] {
  const virtual = new Map<string, string>();
  for (const m of modules) virtual.set(path.join(root, m.fileName), m.text);
  for (const [name, text] of Object.entries(STUB_MODULES)) virtual.set(path.join(root, name), text);
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  const dirs = new Set([...virtual.keys()].flatMap((f) => {
    const up: string[] = [];
    for (let d = path.dirname(f); d !== path.dirname(d); d = path.dirname(d)) up.push(d);
    return up;
  }));
  host.fileExists = (f) => virtual.has(path.resolve(f)) || fileExists.call(host, f);
  host.directoryExists = (d) => dirs.has(path.resolve(d)) || (directoryExists?.call(host, d) ?? ts.sys.directoryExists(d));
  host.readFile = (f) => virtual.get(path.resolve(f)) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = virtual.get(path.resolve(f));
    return text !== undefined ? ts.createSourceFile(f, text, lang, true) : getSourceFile.call(host, f, lang, onError, create);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const byFile = new Map(modules.map((m) => [path.join(root, m.fileName), m]));
  const results: SnippetDiagnostic[] = [];
  // Only the snippets and stubs are checked: the library's own sources are `npm test`'s tsc's.
  const files = [...virtual.keys()].map((f) => program.getSourceFile(f)!);
  const diagnostics = [
    ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(),
    ...files.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
  ];
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const module = d.file ? byFile.get(path.resolve(d.file.fileName)) : undefined;
    if (d.file && module && d.start !== undefined) {
      const line = d.file.getLineAndCharacterOfPosition(d.start).line;
      const where = line < module.offset ? `${module.snippet.file}:${module.snippet.line} (prelude)` : `${module.snippet.file}:${markdownLine(module, line)}`;
      results.push({ where, message: `TS${d.code}: ${message}` });
    } else {
      const at = d.file && d.start !== undefined ? `${path.relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : 'program';
      results.push({ where: at, message: `TS${d.code}: ${message}` });
    }
  }
  return results;
}
