import { execFileSync } from 'child_process';
import * as path from 'path';
import { main } from '../src/main';
import { tmpdir, readTree } from './helpers';

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

describe('dist/ is the committed output of the reference stack', () => {
  test('GIVEN the current sources WHEN synthesized in-process THEN dist/ is byte-identical (regenerate with `npm run synth`)', () => {
    const out = tmpdir();
    main(out);
    expect(readTree(out)).toEqual(readTree(dist));
  });

  test('THEN no Helm value marker or number token is left in the plain manifests', () => {
    for (const [file, text] of Object.entries(readTree(dist))) {
      expect(`${file}: ${text.match(/@@value:[^@]*@@|\d\.\d+e\+300/)?.[0] ?? 'clean'}`).toBe(`${file}: clean`);
    }
  });

  test('WHEN `npm run synth` runs in another process, from another directory THEN it writes the same bytes', () => {
    const out = tmpdir();
    execFileSync(process.execPath, [path.join(root, 'scripts', 'synth.js'), out], { cwd: tmpdir(), env: { PATH: process.env.PATH, TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8' }, stdio: 'pipe' });
    expect(readTree(out)).toEqual(readTree(dist));
  });

  test('WHEN `cdk8s synth` runs THEN it writes the same bytes', () => {
    const out = tmpdir();
    execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['synth', '--output', out], { cwd: root, env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' }, stdio: 'pipe' });
    expect(readTree(out)).toEqual(readTree(dist));
  });
});
