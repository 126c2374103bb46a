import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { Finding, ManifestObject, privilegedNamespaces } from './finding';
import { projectFindings } from './rules';
import { crdChecks, schemaFindings } from './schema';

export * from './finding';
export * from './rules';
export * from './schema';

/** Options of {@link validateManifests}. */
export interface ValidateOptions {
  /**
   * CRD files whose schemas validate custom resources in the output.
   * @default - none
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
    ...schemaFindings(objects, crdChecks(options.crdFiles ?? [])),
    ...(options.policy ?? true ? monokleFindings(objects) : []),
    ...projectFindings(objects),
  ];
}

/** @monokle/validation is ESM-only: it runs in a child node process (validation/monokle.mjs). */
function monokleFindings(objects: readonly ManifestObject[]): Finding[] {
  const script = path.join(repoRoot(), 'validation', 'monokle.mjs');
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

/** The repository root, from src/validation or lib/src/validation. */
function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'validation', 'monokle.mjs'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('validation/monokle.mjs not found above ' + __dirname);
    dir = up;
  }
  return dir;
}
