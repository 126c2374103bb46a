// `npm run validate [paths…]`: validates manifests (default: dist/) with the Kubernetes schema,
// Pod Security and best-practice checks and the project's rules (src/validation). Prints one line
// per violation and exits 1 if there is any; accepted findings are listed with their reason.
'use strict';
const path = require('path');

require('./build').ensureBuilt();
const { readManifests, validateManifests } = require('../lib/src/validation');

const root = path.join(__dirname, '..');
const paths = process.argv.slice(2);
const objects = readManifests(paths.length ? paths : [path.join(root, 'dist')]);
const findings = validateManifests(objects, { crdFiles: crdFiles() });
const violations = findings.filter((f) => !f.accepted);
const line = (f) => `${f.rule} ${f.object}${f.path ? ` ${f.path}` : ''}: ${f.message}`;
for (const f of findings.filter((x) => x.accepted)) console.log(`accepted  ${line(f)} (${f.accepted})`);
for (const f of violations) console.log(`VIOLATION ${line(f)}${f.fix ? ` (fix: ${f.fix})` : ''}`);
console.log(`${objects.length} objects, ${violations.length} violations, ${findings.length - violations.length} accepted findings`);
process.exitCode = violations.length ? 1 : 0;

/** CRDs of the custom resources this project emits (kept in crds/ when present). */
function crdFiles() {
  const fs = require('fs');
  const dir = path.join(root, 'crds');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f)) : [];
}
