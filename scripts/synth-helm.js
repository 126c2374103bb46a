// `npm run synth:helm [outdir]`: writes the reference stack as the Helm chart
// charts/gitlab-runner-stack (values.yaml, values.schema.json, templates/, NOTES.txt, README.md).
'use strict';
require('./build').ensureBuilt();
require('../lib/src/main').helm(process.argv[2]);
console.log(`Wrote Helm chart ${process.argv[2] ?? 'charts/gitlab-runner-stack'}`);
