// The fleet used by `npm run bench`: one app with N runner managers, each in its own namespace
// with two runners. Kept apart from bench.js so a profiler can run it alone:
//   node --cpu-prof scripts/fleet.js 100
'use strict';
const path = require('path');
require('./build').ensureBuilt();
const { App, Chart } = require('cdk8s');
const { GitLabRunnerManager } = require('../lib/src');

/** Builds the fleet app (nothing written until synth). */
function fleet(managers, outdir) {
  const app = new App({ outdir, recordConstructMetadata: false });
  const chart = new Chart(app, 'fleet');
  for (let i = 0; i < managers; i++) {
    const m = new GitLabRunnerManager(chart, `manager-${i}`, {
      name: `runner-${i}`, namespace: `ci-${i}`, gitlabUrl: 'https://gitlab.example.com',
    });
    m.addRunner('small', { token: { secretName: `small-${i}` } });
    m.addRunner('large', { token: { secretName: `large-${i}` }, buildResources: { cpu: { request: '4', limit: '8' } } });
  }
  return app;
}

module.exports = { fleet };

if (require.main === module) {
  const n = Number(process.argv[2] ?? 100);
  const start = process.hrtime.bigint();
  fleet(n, path.join(require('os').tmpdir(), `fleet-${process.pid}`)).synth();
  console.log(`${n} managers: ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0)} ms`);
}
