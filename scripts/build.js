// Compiles src/ and imports/ to lib/ (tsc) and copies the non-TypeScript assets beside the JS.
// `ensureBuilt()` compiles only when a source is newer than the last build, so the synth
// commands stay fast (precompiled JS) without ever running stale code.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const stamp = path.join(root, 'lib', '.tsbuildinfo');
const sources = ['src', 'imports', 'examples', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
// Synthesized output (examples/*/dist) is not a source: regenerating it must not trigger a build.
const notSources = new Set(['dist']);
// Files tsc does not emit: the shell scripts the constructs embed, and the ESM Monokle runner.
const assets = ['src/runner/render-config.sh', 'src/runner/pre-stop.sh', 'src/cache/provision-bucket.sh', 'src/common/secret-value.sh', 'src/validation/monokle.mjs'];

function newestMtime(p) {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(p).filter((entry) => !notSources.has(entry))
    .reduce((m, entry) => Math.max(m, newestMtime(path.join(p, entry))), stat.mtimeMs);
}

function isStale() {
  if (!fs.existsSync(stamp)) return true;
  const built = fs.statSync(stamp).mtimeMs;
  return sources.some((s) => fs.existsSync(path.join(root, s)) && newestMtime(path.join(root, s)) > built);
}

function build() {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  for (const asset of assets) fs.copyFileSync(path.join(root, asset), path.join(root, 'lib', asset));
  // tsc leaves the stamp alone when nothing changed; touch it so isStale() settles.
  const now = new Date();
  fs.utimesSync(stamp, now, now);
}

function ensureBuilt() {
  if (isStale()) build();
}

module.exports = { build, ensureBuilt };

if (require.main === module) build();
