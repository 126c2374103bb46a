// A cdk8s validation plugin (cdk8s.yaml `validations:`), loaded from this local path so it works
// offline: `cdk8s synth` fails when a synthesized manifest violates a rule of src/validation.
// The app command (scripts/app.js) compiles lib/ before the CLI runs validations.
'use strict';
const fs = require('fs');
const path = require('path');

class GitLabRunnerStackValidation {
  constructor(properties = {}) {
    this.crdDir = properties.crdDir;
  }

  async validate(context) {
    const { readManifests, validateManifests } = require('../lib/src/validation');
    const crdDir = this.crdDir && path.resolve(this.crdDir);
    const crdFiles = crdDir && fs.existsSync(crdDir) ? fs.readdirSync(crdDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(crdDir, f)) : [];
    const findings = validateManifests(readManifests([...context.manifests]), { crdFiles });
    const violations = findings.filter((f) => !f.accepted);
    const byRule = new Map();
    for (const f of violations) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
    for (const [rule, list] of byRule) {
      context.report.addViolation({
        ruleName: rule,
        recommendation: [...new Set(list.map((f) => f.message))].join('; '),
        fix: list[0].fix ?? '',
        violatingResources: list.map((f) => ({
          resourceName: f.object,
          locations: f.path ? [f.path] : [],
          manifestPath: context.manifests.length === 1 ? context.manifests[0] : '',
        })),
      });
    }
    context.report.submit(violations.length ? 'failure' : 'success', { findings: String(findings.length) });
  }
}

module.exports = { GitLabRunnerStackValidation };
