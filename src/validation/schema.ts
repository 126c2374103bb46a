import * as fs from 'fs';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';
import { Finding, ManifestObject, objectRef } from './finding';

// Schema validation by third-party models: kubernetes-models for Kubernetes' own kinds (generated
// from the upstream OpenAPI spec), typed model packages for GKE Config Connector and External
// Secrets, and ajv over a CRD's own openAPIV3Schema for anything else we emit. A kind with no
// known schema is a finding: nothing is skipped silently.

/** Model packages, by the API group they cover (each mirrors `<group>/<version>` → kind). */
const MODEL_PACKAGES: Array<[RegExp, string]> = [
  [/\.cnrm\.cloud\.google\.com$/, '@kubernetes-models/gke'],
  [/^external-secrets\.io$/, '@kubernetes-models/external-secrets'],
  [/.*/, 'kubernetes-models'],
];

/** A schema check of one object: its error messages, none when it is valid. */
export type Check = (o: ManifestObject) => string[];

/** Validators from CRD files: `{ "<group>/<version>/<kind>": check }`. */
export function crdChecks(crdFiles: readonly string[]): Record<string, Check> {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp: goPattern } });
  const out: Record<string, Check> = {};
  for (const file of crdFiles) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions ?? []) {
        const validate = ajv.compile(version.schema.openAPIV3Schema);
        out[`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`] = (o) =>
          (validate(o) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`));
      }
    }
  }
  return out;
}

/**
 * A CRD `pattern` is a Go (RE2) regular expression. The one construct JavaScript lacks that CRDs
 * use, a leading case-insensitive flag group (prometheus-operator's `^(?i)(abort|warn)?$`), is
 * JavaScript's `i` flag; any other pattern is JavaScript's already.
 */
const goPattern = Object.assign((pattern: string, flags: string): RegExp => {
  const caseless = /^(\^?)\(\?i\)/.exec(pattern);
  return caseless ? new RegExp(caseless[1] + pattern.slice(caseless[0].length), `${flags}i`) : new RegExp(pattern, flags);
}, { code: 'goPattern' });

/**
 * Versions checked against another version's model: External Secrets Operator serves only
 * external-secrets.io/v1 since 0.17, and its model package knows v1beta1, whose schema for the
 * fields emitted here (refreshInterval, secretStoreRef, target, data[].remoteRef) is the same.
 */
const MODEL_VERSION_ALIASES: Record<string, string> = { 'external-secrets.io/v1': 'external-secrets.io/v1beta1' };

function modelCheck(original: ManifestObject): string[] | undefined {
  const alias = MODEL_VERSION_ALIASES[original.apiVersion];
  const o = alias ? { ...original, apiVersion: alias } : original;
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const pkg = MODEL_PACKAGES.find(([pattern]) => pattern.test(group))![1];
  let models: Record<string, any>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    models = require(group ? `${pkg}/${group}/${version}` : `${pkg}/${version}`);
  } catch {
    return undefined;
  }
  const Model = models[o.kind];
  if (!Model) return undefined;
  try {
    new Model(o).validate();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

/** Schema findings for every object. `crds` adds validators for custom resources. */
export function schemaFindings(objects: readonly ManifestObject[], crds: Record<string, Check> = {}): Finding[] {
  return objects.flatMap((o) => {
    const crd = crds[`${o.apiVersion}/${o.kind}`];
    const errors = crd ? crd(o) : modelCheck(o);
    if (errors === undefined) {
      return [{ rule: 'schema', object: objectRef(o), message: `no schema known for ${o.apiVersion} ${o.kind}`, fix: 'add its CRD to the validator' }];
    }
    return errors.map((message) => ({ rule: 'schema', object: objectRef(o), message, fix: 'fix the construct that emits it' }));
  });
}
