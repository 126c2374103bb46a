// `npm run docs:keys`: writes docs/runner-keys.md, the table of every [runners.kubernetes] key of
// the pinned gitlab-runner version and how to set it, from the generated key list
// (src/runner/config/runner-keys.json) and KEY_USES (src/runner/config/key-uses.ts). A test fails
// when the committed file is not what this writes.
'use strict';
const fs = require('fs');
const path = require('path');

require('./build').ensureBuilt();
const root = path.join(__dirname, '..');
const { renderRunnerKeysDoc } = require(path.join(root, 'lib', 'src', 'runner', 'config', 'key-uses'));
fs.writeFileSync(path.join(root, 'docs', 'runner-keys.md'), renderRunnerKeysDoc());
console.log('docs/runner-keys.md written');
