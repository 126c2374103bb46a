import * as fs from 'fs';
import * as path from 'path';
import { formatAccepted, summarizeFindings } from './report';
import { readManifests, validateManifests } from './validate';

// The cdk8s CLI's plugin API, as far as this plugin uses it (cdk8s-cli is a CLI, not a library
// users depend on, so its types are restated here rather than imported).

/** A violating object in a cdk8s validation report. */
export interface Cdk8sViolatingResource {
  /** `Kind namespace/name`. */
  readonly resourceName: string;
  /** Paths inside the object. */
  readonly locations: string[];
  /** The manifest file, where there is only one. */
  readonly manifestPath: string;
}

/** The report a cdk8s validation plugin fills. */
export interface Cdk8sValidationReport {
  /** Adds one violated rule with its objects. */
  addViolation(violation: { ruleName: string; recommendation: string; fix: string; violatingResources: Cdk8sViolatingResource[] }): void;
  /** Closes the report; `metadata` is printed in its summary table. */
  submit(status: 'success' | 'failure', metadata?: Record<string, string>): void;
}

/** What the cdk8s CLI passes to a validation plugin. */
export interface Cdk8sValidationContext {
  /** The synthesized manifest files. */
  readonly manifests: readonly string[];
  /** The report to fill. */
  readonly report: Cdk8sValidationReport;
}

/** Properties of {@link GitLabRunnerStackValidation}, from `properties:` in cdk8s.yaml. */
export interface GitLabRunnerStackValidationProps {
  /**
   * A folder (relative to the cdk8s app) of more CRD files, for custom resources your own app
   * emits. Those of this library's constructs are bundled.
   * @default - only the bundled CRDs
   */
  readonly crdDir?: string;
}

/**
 * The cdk8s validation plugin: `cdk8s synth` fails when a synthesized manifest violates a rule of
 * {@link validateManifests}. List it in cdk8s.yaml by its path inside the installed package:
 *
 * ```yaml
 * validations:
 *   - package: ./node_modules/cdk8s-gitlab-runner/lib/src/validation/cdk8s-plugin.js
 *     class: GitLabRunnerStackValidation
 *     version: 0.1.0
 * ```
 *
 * The report's summary lists every accepted finding with its reason; violations fill its
 * Violations section.
 */
export class GitLabRunnerStackValidation {
  private readonly crdDir?: string;

  constructor(properties: GitLabRunnerStackValidationProps = {}) {
    this.crdDir = properties.crdDir;
  }

  /** Validates the manifests of `context` and submits the report. */
  public async validate(context: Cdk8sValidationContext): Promise<void> {
    const crdDir = this.crdDir && path.resolve(this.crdDir);
    if (crdDir && !fs.existsSync(crdDir)) throw new Error(`GitLabRunnerStackValidation: crdDir "${this.crdDir}" does not exist (resolved to ${crdDir})`);
    const crdFiles = crdDir ? fs.readdirSync(crdDir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(crdDir, f)) : [];
    const objects = readManifests([...context.manifests]);
    const { violations, accepted } = summarizeFindings(validateManifests(objects, { crdFiles }));
    const byRule = new Map<string, typeof violations>();
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
    // The CLI prints a "(Violations)" heading even when there are none; the summary says so.
    context.report.submit(violations.length ? 'failure' : 'success', {
      'Objects checked': String(objects.length),
      'Violations': violations.length ? `${violations.length}, listed below` : 'none',
      'Accepted findings': accepted.length ? accepted.map(formatAccepted).join('\n') : 'none',
    });
  }
}
