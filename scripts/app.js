// The cdk8s app command (cdk8s.yaml): synthesizes the reference stack from precompiled lib/,
// rebuilding it first if a source changed. cdk8s passes the output folder in CDK8S_OUTDIR.
'use strict';
require('./build').ensureBuilt();
const nextSteps = require('../lib/src/main').main();
// stderr: stdout belongs to the cdk8s CLI.
if (nextSteps.length) console.error(`Next steps:\n${nextSteps.map((s) => `  - ${s}`).join('\n')}`);
