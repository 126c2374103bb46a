// `npm run validate [paths…]`: validates manifests (default: dist/) with the Kubernetes schema,
// Pod Security and best-practice checks and the project's rules (src/validation). Prints one line
// per violation and exits 1 if there is any; accepted findings are listed with their reason.
'use strict';
const path = require('path');

require('./build').ensureBuilt();
const { formatAccepted, formatFinding, readManifests, summarizeFindings, validateManifests } = require('../lib/src/validation');

const paths = process.argv.slice(2);
const objects = readManifests(paths.length ? paths : [path.join(__dirname, '..', 'dist')]);
// The CRDs of the custom resources this project emits are bundled (crds/): nothing to pass.
const { violations, accepted } = summarizeFindings(validateManifests(objects));
for (const f of accepted) console.log(`accepted  ${formatAccepted(f)}`);
for (const f of violations) console.log(`VIOLATION ${formatFinding(f)}${f.fix ? ` (fix: ${f.fix})` : ''}`);
console.log(`${objects.length} objects, ${violations.length} violations, ${accepted.length} accepted findings`);
process.exitCode = violations.length ? 1 : 0;
