// The fleet `npm run bench` measures: one app with N runner managers, each in its own namespace
// with two runners (a default one and a DinD one), sharing one MinIO cache and one privileged
// Karpenter pool. Kept apart from bench.js so a profiler can run it alone:
//   node --cpu-prof scripts/fleet.js 100
'use strict';
const os = require('os');
const path = require('path');
require('./build').ensureBuilt();
const { App, Chart } = require('cdk8s');
const { CacheCredentials, GitLabRunnerManager, KarpenterNodePool, MinioCache } = require('../lib/src');

/** Builds the fleet app (nothing written until synth). */
function fleet(managers, outdir) {
  const app = new App({ outdir, recordConstructMetadata: false });
  const chart = new Chart(app, 'fleet');
  const cache = new MinioCache(chart, 'cache', {
    rootCredentials: CacheCredentials.fromSecret('minio-root'),
    cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
  });
  const pool = new KarpenterNodePool(chart, 'privileged', {
    taint: { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NoSchedule' },
    nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
  });
  for (let i = 0; i < managers; i++) {
    const m = new GitLabRunnerManager(chart, `manager-${i}`, { name: `runner-${i}`, namespace: `ci-${i}`, gitlabUrl: 'https://gitlab.example.com' });
    m.addRunner('default', { token: { secretName: `default-${i}` } }).useCache(cache);
    m.addDindRunner('dind', { token: { secretName: `dind-${i}` }, nodePool: pool }).useCache(cache);
  }
  return app;
}

/** Synthesizes a fleet of `managers` and returns milliseconds and output objects. */
function synthFleet(managers) {
  const outdir = path.join(os.tmpdir(), `fleet-${process.pid}-${managers}`);
  const start = process.hrtime.bigint();
  const app = fleet(managers, outdir);
  app.synth();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const objects = app.charts.reduce((n, c) => n + c.toJson().length, 0);
  return { ms, objects };
}

module.exports = { fleet, synthFleet };

if (require.main === module) {
  // One size per process, so max RSS is that size's peak.
  const n = Number(process.argv[2] ?? 100);
  const { ms, objects } = synthFleet(n);
  const result = { managers: n, ms, objects, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : `${n} managers: ${objects} objects, ${ms.toFixed(0)} ms, ${result.maxRssMiB.toFixed(0)} MiB`);
}
