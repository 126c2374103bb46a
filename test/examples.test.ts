import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import * as dindKarpenter from '../examples/dind-karpenter/main';
import * as gke from '../examples/gke/main';
import * as minimal from '../examples/minimal/main';
import * as powerUser from '../examples/power-user/main';
import { Values } from '../src';
import { readManifests, validateManifests } from '../src/validation';
import { tmpdir, readTree } from './helpers';

// Every example in examples/ is synthesized in-process, compared byte for byte with its
// committed dist/ (regenerate with `npm run examples`), and validated like `npm run validate`.

const root = path.join(__dirname, '..');
const crdFiles = [path.join(root, 'crds', 'karpenter.sh_nodepools.yaml')];
const examples: Record<string, { build: (app: App) => unknown; synth: (outdir: string) => unknown }> = {
  'minimal': minimal,
  'dind-karpenter': dindKarpenter,
  'gke': gke,
  'power-user': powerUser,
};

test('every folder of examples/ with a main.ts is tested here', () => {
  const folders = fs.readdirSync(path.join(root, 'examples')).filter((d) => fs.existsSync(path.join(root, 'examples', d, 'main.ts')));
  expect(folders.sort()).toEqual(Object.keys(examples).sort());
});

describe.each(Object.entries(examples))('examples/%s', (name, example) => {
  const out = tmpdir(`example-${name}-`);
  beforeAll(() => { example.synth(out); });

  test('WHEN synthesized in-process THEN its committed dist/ is byte-identical (regenerate with `npm run examples`)', () => {
    expect(readTree(out)).toEqual(readTree(path.join(root, 'examples', name, 'dist')));
  });

  test('THEN every object passes the project\'s validation with no violation', () => {
    const objects = readManifests([out]);
    expect(objects.length).toBeGreaterThan(0);
    const violations = validateManifests(objects, { crdFiles }).filter((f) => !f.accepted);
    expect(violations.map((f) => `${f.rule} ${f.object} ${f.path ?? ''}: ${f.message}`)).toEqual([]);
  });

  test('THEN it declares no Helm value (several examples share one process)', () => {
    const app = new App({ outdir: tmpdir() });
    example.build(app);
    expect(Values.of(app).all()).toEqual([]);
  });
});
