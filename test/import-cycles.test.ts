import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

// The layering of src/: no module imports itself through others, and the folders depend on
// each other without cycles. Imports are read with the TypeScript compiler's own pre-processor,
// type-only imports included: a type cycle is a design cycle too (a runner needs a placement
// contract, src/common/placement.ts, not the node pool class; a cache contract,
// src/runner/cache-contract.ts, not the cache classes).

const SRC = path.join(__dirname, '..', 'src');

/** Every .ts file under src/, relative to it, with the src/ files it imports. */
function importGraph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(SRC);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles.map((f) => f.fileName).filter((f) => f.startsWith('.')).flatMap((f) => {
      const base = path.resolve(path.dirname(file), f);
      const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
      return hit && hit.startsWith(SRC) ? [path.relative(SRC, hit)] : [];
    });
    graph.set(path.relative(SRC, file), [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components of more than one node (or a node importing itself), each sorted. */
function cycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** The folder graph: src/<folder>/… → src/<folder>/…; files directly in src/ (the entry points) left out. */
function folderGraph(files: Map<string, string[]>): Map<string, string[]> {
  const folder = (f: string) => (f.includes(path.sep) ? f.split(path.sep)[0] : undefined);
  const graph = new Map<string, string[]>();
  for (const [file, targets] of files) {
    const from = folder(file);
    if (from === undefined) continue;
    const to = targets.map(folder).filter((t): t is string => t !== undefined && t !== from);
    graph.set(from, [...new Set([...(graph.get(from) ?? []), ...to])].sort());
  }
  return graph;
}

describe('import cycles in src/', () => {
  const files = importGraph();

  test('GIVEN the sources THEN the graph is read (the test can see imports at all)', () => {
    expect(files.get(path.join('runner', 'runner.ts'))).toContain(path.join('common', 'placement.ts'));
    expect(files.size).toBeGreaterThan(30);
  });

  test('GIVEN every module THEN none imports itself through others, type-only imports included', () => {
    expect(cycles(files)).toEqual([]);
  });

  test('GIVEN the folders THEN no cycle between them', () => {
    // The Helm value tokens live in src/common (values.ts), which the chart writer (src/helm)
    // reads; the cache contract lives in src/runner (cache-contract.ts), which caches implement.
    // common ↔ helm, cache ↔ runner and runner ↔ nodepool are gone: keep them so.
    expect(cycles(folderGraph(files))).toEqual([]);
  });

  test('GIVEN a made-up cycle THEN the check finds it (it can fail)', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
    expect(cycles(new Map([['a', ['a']]]))).toEqual([['a']]);
  });
});
