// Every TypeScript snippet of the docs compiles against src/ (see test/doc-snippets.ts); the
// consumer test (scripts/consumer-test.js) checks the same modules against the packed package.
import * as path from 'path';
import * as ts from 'typescript';
import {
  DocSnippet, extractAll, extractSnippets, SnippetDiagnostic, snippetCompilerOptions, SnippetModule, snippetSources, toModule, typeCheck,
} from './doc-snippets';

const root = path.join(__dirname, '..');

/** The repository's compiler options, with the package's names mapped to its sources. */
function sourceOptions(): ts.CompilerOptions {
  const configPath = path.join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  return {
    ...snippetCompilerOptions(parsed.options),
    baseUrl: root,
    paths: {
      'cdk8s-gitlab-runner': ['src/index.ts'],
      'cdk8s-gitlab-runner/validation': ['src/validation/index.ts'],
    },
  };
}

// A Markdown page with one valid and one broken snippet: the broken line is its line 9.
const NEGATIVE_CONTROL = [
  '# Negative control',                                                     // 1
  '',                                                                       // 2
  '```ts',                                                                  // 3
  "chart.node.addMetadata('ok', true);",                                    // 4
  '```',                                                                    // 5
  '',                                                                       // 6
  '```ts',                                                                  // 7
  "import { GitLabRunnerManager } from 'cdk8s-gitlab-runner';",             // 8
  "new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 42 });",          // 9
  '```',                                                                    // 10
].join('\n');

describe('the TypeScript snippets of the docs', () => {
  const { snippets, problems } = extractAll(root);
  const compiled = snippets.filter((s) => s.noCompile === undefined);
  let modules: SnippetModule[];
  let diagnostics: SnippetDiagnostic[];

  beforeAll(() => {
    // GIVEN every compiled snippet of the docs and the negative control's, in one program
    const control = extractSnippets(NEGATIVE_CONTROL, 'negative-control.md').snippets;
    modules = [...compiled, ...control].map(toModule);
    // WHEN type-checked against src/, the repository's strictness
    diagnostics = typeCheck(modules, path.join(root, 'test', '.doc-snippets'), sourceOptions());
  });

  test('GIVEN the docs WHEN extracted THEN every page is read, every block found, and no marker is malformed', () => {
    expect(problems).toEqual([]);
    const files = new Set(snippets.map((s) => s.file));
    for (const f of ['README.md', 'docs/guides/composing.md', 'docs/guides/gitops.md', 'docs/guides/snapshot-testing.md', 'examples/minimal/README.md']) {
      expect(files).toContain(f);
    }
    expect(snippetSources(root)).toEqual(expect.arrayContaining([...files]));
    expect(snippets.length).toBeGreaterThanOrEqual(20);
  });

  test('GIVEN the docs THEN the blocks opted out of compiling are these, each with its reason', () => {
    expect(snippets.filter((s) => s.noCompile !== undefined).map((s) => `${s.file}:${s.line} (${s.noCompile})`)).toEqual([]);
  });

  test('GIVEN the snippets WHEN type-checked against src/ THEN none has an error', () => {
    const docs = diagnostics.filter((d) => !d.where.startsWith('negative-control.md'));
    expect(docs.map((d) => `${d.where}: ${d.message}`)).toEqual([]);
  });

  test('GIVEN a broken snippet (negative control) WHEN type-checked THEN its error is reported at its Markdown file:line, the valid one has none', () => {
    const control = diagnostics.filter((d) => d.where.startsWith('negative-control.md'));
    expect(control.map((d) => d.where)).toEqual(['negative-control.md:9']);
    expect(control[0].message).toMatch(/^TS2322: Type 'number' is not assignable to type 'string'/);
  });

  test('GIVEN the snippets THEN the complete programs and jest tests the consumer test runs are these', () => {
    expect(modules.filter((m) => m.isProgram).map((m) => `${m.snippet.file}:${m.snippet.line}`)).toEqual([
      expect.stringMatching(/^README\.md:\d+$/),
      expect.stringMatching(/^docs\/guides\/composing\.md:\d+$/),
    ]);
    expect(modules.filter((m) => m.isTest).map((m) => m.snippet.file)).toEqual(['docs/guides/snapshot-testing.md', 'docs/guides/snapshot-testing.md']);
  });
});

describe('extracting snippets', () => {
  test('GIVEN a block indented in a list item WHEN extracted THEN its fence line is kept and its code dedented', () => {
    const md = ['- item:', '  ```typescript', '  const a = 1;', '    const b = a;', '  ```', '', '```sh', 'ls', '```'].join('\n');
    expect(extractSnippets(md, 'x.md')).toEqual({
      snippets: [{ file: 'x.md', line: 2, code: 'const a = 1;\n  const b = a;' }],
      problems: [],
    });
  });

  test('GIVEN a no-compile marker with a reason THEN the block carries the reason', () => {
    const md = ['<!-- snippet: no-compile (shows the error) -->', '```ts', 'oops(', '```'].join('\n');
    expect(extractSnippets(md, 'x.md').snippets[0].noCompile).toBe('shows the error');
  });

  test.each([
    ['without a reason', ['<!-- snippet: no-compile -->', '```ts', 'x', '```'], 'x.md:1: a no-compile marker needs a reason'],
    ['with an empty reason', ['<!-- snippet: no-compile () -->', '```ts', 'x', '```'], 'x.md:1: a no-compile marker needs a reason'],
    ['not right before a fence', ['<!-- snippet: no-compile (why) -->', '', '```ts', 'x', '```'], 'x.md:1: a snippet marker must be on the line right before'],
    ['before a non-TypeScript block', ['<!-- snippet: no-compile (why) -->', '```sh', 'x', '```'], 'x.md:1: a snippet marker must be on the line right before a ```ts fence, not ```sh'],
    ['misspelt', ['<!-- snippet: nocompile (why) -->', '```ts', 'x', '```'], 'x.md:1: unknown snippet marker'],
  ])('GIVEN a marker %s WHEN extracted THEN it is a problem naming its line', (_, lines, expected) => {
    expect(extractSnippets(lines.join('\n'), 'x.md').problems).toEqual([expect.stringContaining(expected)]);
  });

  test('GIVEN a fragment WHEN made a module THEN the prelude declares only the names it uses and does not declare', () => {
    const snippet: DocSnippet = { file: 'x.md', line: 10, code: "const manager = makeIt(chart);\nmanager.addRunner('a', {});" };
    const m = toModule(snippet);
    expect(m.prelude).toEqual(['chart']);
    expect(m.text).toBe("declare const chart: import('cdk8s').Chart;\nconst manager = makeIt(chart);\nmanager.addRunner('a', {});\nexport {};\n");
    expect(m.isProgram).toBe(false);
  });
});
