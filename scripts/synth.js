// `npm run synth`: synthesizes the reference stack into dist/ without the cdk8s CLI's startup
// cost, and safely: the app writes into a fresh folder that replaces dist/ only when synthesis
// succeeded, so a validation error leaves the committed dist/ exactly as it was.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

require('./build').ensureBuilt();
const outdir = path.resolve(process.argv[2] ?? 'dist');
const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gitlab-runner-'));
try {
  const nextSteps = require('../lib/src/main').main(staging);
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.cpSync(staging, outdir, { recursive: true });
  console.log(`Synthesized ${fs.readdirSync(outdir).join(', ')} into ${path.relative(process.cwd(), outdir) || '.'}`);
  if (nextSteps.length) console.log(`Next steps:\n${nextSteps.map((s) => `  - ${s}`).join('\n')}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}
