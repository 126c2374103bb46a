import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import YAML from 'yaml';
import { K8sObject } from './helpers';

/**
 * Validates an object against the Kubernetes OpenAPI schema with kubernetes-models, a
 * third-party model generated from the upstream spec. Unknown kinds fail: nothing is skipped.
 */
export function validateSchema(o: K8sObject): void {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : [undefined, o.apiVersion];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const models = require(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
  const Model = models[o.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  new Model(o).validate();
}

/**
 * The Karpenter CRD this repository vendors (crds/, a copy of ../shared/crds/): the same file
 * `cdk8s import` generated imports/karpenter.sh.ts from, so the test and the binding agree.
 */
export const KARPENTER_CRD = path.join(__dirname, '..', 'crds', 'karpenter.sh_nodepools.yaml');

let nodePoolValidator: ValidateFunction | undefined;

/**
 * Validates a Karpenter NodePool against the openAPIV3Schema of its CRD with ajv (structure,
 * enums, patterns, required fields; the CRD's CEL rules are not evaluated).
 */
export function validateNodePool(o: K8sObject): void {
  if (!nodePoolValidator) {
    const crd = YAML.parse(fs.readFileSync(KARPENTER_CRD, 'utf8'));
    const version = crd.spec.versions.find((ver: any) => ver.storage);
    if (`${crd.spec.group}/${version.name}` !== 'karpenter.sh/v1' || crd.spec.names.kind !== 'NodePool') throw new Error('unexpected CRD');
    // x-kubernetes-* extensions are not JSON Schema keywords: not strict. Formats (int64, …) are
    // Kubernetes' own and not checked.
    nodePoolValidator = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(version.schema.openAPIV3Schema);
  }
  if (o.apiVersion !== 'karpenter.sh/v1' || o.kind !== 'NodePool') throw new Error(`not a karpenter.sh/v1 NodePool: ${o.apiVersion} ${o.kind}`);
  if (!nodePoolValidator(o)) throw new Error(`NodePool ${(o as K8sObject).metadata.name}: ${JSON.stringify(nodePoolValidator.errors)}`);
}

/** Validates a Config Connector ContainerNodePool with @kubernetes-models/gke. */
export function validateContainerNodePool(o: K8sObject): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ContainerNodePool } = require('@kubernetes-models/gke/container.cnrm.cloud.google.com/v1beta1');
  if (o.apiVersion !== ContainerNodePool.apiVersion || o.kind !== ContainerNodePool.kind) throw new Error(`not a ContainerNodePool: ${o.apiVersion} ${o.kind}`);
  new ContainerNodePool(o).validate();
}

/** Validates any object this library emits with the validator for its kind. */
export function validateObject(o: K8sObject): void {
  if (o.apiVersion.startsWith('karpenter.sh/')) validateNodePool(o);
  else if (o.apiVersion.startsWith('container.cnrm.cloud.google.com/')) validateContainerNodePool(o);
  else validateSchema(o);
}
