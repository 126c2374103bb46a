// `npm run examples [name…]`: synthesizes every example (examples/<name>/main.ts, compiled to
// lib/ with the library) into its committed examples/<name>/dist/. Like `npm run synth`, each
// example is synthesized into a fresh folder first, and its dist/ is updated only when every
// example succeeded, so an error leaves all committed output as it was.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

require('./build').ensureBuilt();
const root = path.join(__dirname, '..');
const examplesDir = path.join(root, 'examples');
const all = fs.readdirSync(examplesDir).filter((d) => fs.existsSync(path.join(examplesDir, d, 'main.ts'))).sort();
const names = process.argv.length > 2 ? process.argv.slice(2) : all;
const unknown = names.filter((n) => !all.includes(n));
if (unknown.length) {
  console.error(`No such example: ${unknown.join(', ')} (examples: ${all.join(', ')})`);
  process.exit(1);
}

const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gitlab-runner-examples-'));
try {
  const nextSteps = {};
  for (const name of names) {
    try {
      nextSteps[name] = require(path.join(root, 'lib', 'examples', name, 'main')).synth(path.join(staging, name)) ?? [];
    } catch (e) {
      throw new Error(`examples/${name}: ${e instanceof Error ? e.message : e}`);
    }
  }
  for (const name of names) {
    const written = replaceFiles(path.join(staging, name), path.join(examplesDir, name, 'dist'));
    console.log(`Synthesized ${written.join(', ')} into examples/${name}/dist`);
    for (const step of nextSteps[name]) console.log(`  next: ${step}`);
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}

/**
 * Makes `to` hold exactly the files of `from`. Files are overwritten in place (not the folder
 * replaced), so the example's folder itself is untouched and `ensureBuilt` sees no new source.
 */
function replaceFiles(from, to) {
  const files = fs.readdirSync(from).sort();
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(to)) if (!files.includes(f)) fs.rmSync(path.join(to, f), { recursive: true, force: true });
  for (const f of files) fs.copyFileSync(path.join(from, f), path.join(to, f));
  return files;
}
