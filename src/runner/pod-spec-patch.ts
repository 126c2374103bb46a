import { IConstruct } from 'constructs';
import { applyPatch, Operation, validate as validateJsonPatch } from 'fast-json-patch';
import { invalid } from '../common/errors';
import * as v from '../common/validate';
import { objectShape } from '../common/shape';
import type { PodSecurityLevel } from './build-namespace';
import { PodSpecPatchToml } from './config/model';
import { podSecurityViolations } from './pod-security';

// RFC 7396 JSON merge patch; the package ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mergePatch: { apply(target: unknown, patch: unknown): unknown } = require('json-merge-patch');

/** One RFC 6902 JSON patch operation; paths are JSON pointers within the pod spec. */
export interface JsonPatchOperation {
  /** The operation. */
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  /** Where, e.g. `/containers/0/securityContext/readOnlyRootFilesystem`. */
  readonly path: string;
  /**
   * The value, for `add`, `replace` and `test`.
   * @default - none
   */
  readonly value?: unknown;
  /**
   * The source path, for `move` and `copy`.
   * @default - none
   */
  readonly from?: string;
}

/**
 * A patch of the build pod spec (`[[runners.kubernetes.pod_spec]]`), applied by the executor to
 * the pod spec it made, in order. The library applies it to its model of the build pod at synth
 * and checks the result against the build namespace's Pod Security level and the node pools'
 * isolation, so a patch cannot quietly make build pods privileged or move them onto a pool.
 */
export interface PodSpecPatch {
  /** A name for the patch, shown in the runner's log. */
  readonly name: string;
  /**
   * `json`: RFC 6902 operations, e.g. `[{ op: 'add', path: '/hostname', value: 'ci' }]`.
   * `merge`: an RFC 7396 JSON merge patch object (`null` removes a field; lists are replaced).
   * `strategic`: a Kubernetes strategic merge patch; only patches without lists are accepted,
   * since lists (containers, volumes, tolerations) merge by key in the executor and no
   * maintained JavaScript library implements that: use `json` to change a list.
   */
  readonly patchType: 'json' | 'merge' | 'strategic';
  /** The patch: a list of operations for `json`, an object otherwise. Paths are within the pod spec (`/containers/0/…`). */
  readonly patch: Record<string, unknown> | JsonPatchOperation[];
}

/** The flag without which the executor ignores `pod_spec`. */
export const POD_SPEC_FEATURE_FLAG = 'FF_USE_ADVANCED_POD_SPEC_CONFIGURATION';

/** Validated patches in config.toml terms, and `spec` with them applied. */
export function resolvePodSpecPatches(scope: IConstruct, patches: PodSpecPatch[] | undefined, spec: Record<string, any>): { toml?: PodSpecPatchToml[]; spec: Record<string, any> } {
  if (patches === undefined) return { spec };
  if (!Array.isArray(patches)) invalid(scope, 'podSpecPatches', patches, 'must be a list of { name, patchType, patch }');
  let current = spec;
  const names = new Set<string>();
  const toml = patches.map((p, i) => {
    const field = `podSpecPatches[${i}]`;
    if (p === null || typeof p !== 'object') invalid(scope, field, p, 'must be { name, patchType, patch }');
    objectShape(scope, field, p, '{ name, patchType, patch }');
    v.noValue(scope, `${field}.name`, p.name, 'patches are checked at synth');
    const name = v.nonEmptyString(scope, `${field}.name`, p.name, 'build-hostname');
    if (names.has(name)) invalid(scope, `${field}.name`, name, 'must be unique among the runner\'s pod spec patches');
    names.add(name);
    const type = v.oneOf(scope, `${field}.patchType`, p.patchType, ['json', 'merge', 'strategic'] as const);
    current = applyOne(scope, `${field}.patch`, type, p.patch, current);
    return { name, patch: JSON.stringify(p.patch), patch_type: type };
  });
  return { toml: toml.length ? toml : undefined, spec: current };
}

function applyOne(scope: IConstruct, field: string, type: 'json' | 'merge' | 'strategic', patch: unknown, spec: Record<string, any>): Record<string, any> {
  let json: string;
  try {
    json = JSON.stringify(patch);
  } catch (e) {
    invalid(scope, field, String(patch), `must be JSON-serializable (${(e as Error).message})`);
  }
  if (json === undefined) invalid(scope, field, patch, 'must be JSON');
  const copy = JSON.parse(JSON.stringify(spec));
  if (type === 'json') {
    if (!Array.isArray(patch) || patch.length === 0) {
      invalid(scope, field, patch, 'must be a non-empty list of RFC 6902 operations, e.g. [{ "op": "add", "path": "/hostname", "value": "ci" }]');
    }
    const error = validateJsonPatch(patch as Operation[], copy);
    if (error) invalid(scope, field, patch, `is not a JSON patch that applies to the build pod spec: ${error.name} at operation ${error.index} (${error.message.split('\n')[0]})`);
    try {
      return applyPatch(copy, patch as Operation[], true, false).newDocument;
    } catch (e) {
      invalid(scope, field, patch, `does not apply to the build pod spec: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    invalid(scope, field, patch, `must be an object for patchType "${type}", e.g. { "hostname": "ci" }`);
  }
  if (type === 'strategic') {
    const list = firstList(patch, '');
    if (list !== undefined) {
      invalid(scope, `${field}${list}`, jsonAt(patch, list),
        'a strategic merge patch that touches a list (merged by key in the executor) cannot be checked here: use patchType "json" to add to or change a list, or "merge" to replace it');
    }
  }
  return mergePatch.apply(copy, patch) as Record<string, any>;
}

/** The path (`.a.b`) of the first list or `$` directive in a strategic patch, if any. */
function firstList(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) return path;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, x] of Object.entries(value)) {
    if (k.startsWith('$')) return `${path}.${k}`;
    const found = firstList(x, `${path}.${k}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

function jsonAt(value: any, path: string): unknown {
  return path.split('.').slice(1).reduce((x, k) => x?.[k], value);
}

/**
 * Refuses a build pod spec (the model, patched) that breaks the build namespace's Pod Security
 * level: the API server would refuse every build pod.
 */
export function requirePodSecurity(scope: IConstruct, spec: Record<string, any>, level: PodSecurityLevel, patched: boolean): void {
  const violation = podSecurityViolations(spec, level)[0];
  if (violation) {
    invalid(scope, patched ? 'podSpecPatches' : 'build pod', `spec.${violation.path}`,
      `${violation.message}, which the build namespace enforces (level "${level}"): the API server would refuse every build pod; privileged builds need a privileged runner (manager.addDindRunner) on its own tainted pool`);
  }
}
