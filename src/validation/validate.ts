// validateManifests and readManifests: the checks every validation entry point runs (npm run
// validate, the cdk8s plugin, users' tests through `cdk8s-gitlab-runner/validation`).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { Finding, ManifestObject, privilegedNamespaces } from './finding';
import { projectFindings } from './rules';
import { crdChecks, schemaFindings } from './schema';

/** Options of {@link validateManifests}. */
export interface ValidateOptions {
  /**
   * More CRD files whose schemas validate custom resources in the output. The CRDs of the custom
   * resources this library emits (Karpenter's NodePool) are always included: see {@link bundledCrdFiles}.
   * @default - only the bundled CRDs
   */
  readonly crdFiles?: readonly string[];
  /**
   * Run the third-party Pod Security and best-practice checks (@monokle/validation).
   * @default true
   */
  readonly policy?: boolean;
}

/**
 * Validates synthesized objects: Kubernetes and CRD schemas, Pod Security Standards (restricted,
 * except in privileged build namespaces) and best practices by @monokle/validation, and the
 * project's own rules. Returns every finding; those without `accepted` are violations.
 */
export function validateManifests(objects: readonly ManifestObject[], options: ValidateOptions = {}): Finding[] {
  return [
    ...schemaFindings(objects, crdChecks([...bundledCrdFiles(), ...(options.crdFiles ?? [])])),
    ...(options.policy ?? true ? monokleFindings(objects) : []),
    ...projectFindings(objects),
  ];
}

/**
 * @monokle/validation is ESM-only: it runs in a child node process (monokle.mjs beside this file,
 * in src/ and, copied by the build, in lib/).
 */
function monokleFindings(objects: readonly ManifestObject[]): Finding[] {
  const script = path.join(__dirname, 'monokle.mjs');
  const privileged = privilegedNamespaces(objects);
  const args = privileged.length ? ['--privileged', privileged.join(',')] : [];
  const out = execFileSync(process.execPath, [script, ...args], { input: JSON.stringify(objects), stdio: ['pipe', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(out.toString('utf8'));
}

/** Reads every YAML document of the given files and folders (folders: their *.yaml files, recursively). */
export function readManifests(paths: readonly string[]): ManifestObject[] {
  const files = paths.flatMap((p) => (fs.statSync(p).isDirectory()
    ? fs.readdirSync(p, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(p, f))
    : [p]));
  return files.flatMap((f) => parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS()).filter((o) => o && o.kind));
}

/**
 * The CRD files shipped with this package (its `crds/` folder): schemas of the custom resources
 * the constructs emit, so a user's validation needs no CRD of its own for them.
 */
export function bundledCrdFiles(): string[] {
  const dir = path.join(packageRoot(), 'crds');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f)) : [];
}

/** The package root: the first folder above this file with a package.json (src/ and lib/src/ have none). */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package.json of cdk8s-gitlab-runner not found above ${__dirname}`);
    dir = up;
  }
  return dir;
}
