import * as fs from 'fs';
import * as path from 'path';
import { crdChecks, schemaFindings } from '../src/validation';
import { K8sObject } from './helpers';

// Schema checks in tests go through the project's own validator (src/validation/schema.ts), the
// one `npm run validate` and the cdk8s plugin use: kubernetes-models for Kubernetes kinds, model
// packages for Config Connector and External Secrets, ajv over the vendored CRDs.

/**
 * The Karpenter CRD this repository vendors (crds/, a copy of ../shared/crds/): the same file
 * `cdk8s import` generated imports/karpenter.sh.ts from, so the test and the binding agree.
 */
export const KARPENTER_CRD = path.join(__dirname, '..', 'crds', 'karpenter.sh_nodepools.yaml');

/** Every CRD this repository vendors (crds/): Karpenter's, prometheus-operator's, cert-manager's. */
const CRD_DIR = path.join(__dirname, '..', 'crds');
const CRDS = crdChecks(fs.readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(CRD_DIR, f)));

function check(o: K8sObject, expected?: { apiVersion: string; kind: string }): void {
  if (expected && (o.apiVersion !== expected.apiVersion || o.kind !== expected.kind)) {
    throw new Error(`not a ${expected.apiVersion} ${expected.kind}: ${o.apiVersion} ${o.kind}`);
  }
  const findings = schemaFindings([o], CRDS);
  if (findings.length) throw new Error(findings.map((f) => `${f.object}: ${f.message}`).join('\n'));
}

/** Validates any object this library emits against its schema. Unknown kinds fail. */
export function validateObject(o: K8sObject): void {
  check(o);
}

/** Validates a Kubernetes object (kubernetes-models) or a custom resource (its model or CRD). */
export const validateSchema = validateObject;

/** Validates a Karpenter NodePool against its CRD's openAPIV3Schema (ajv; CEL rules not evaluated). */
export function validateNodePool(o: K8sObject): void {
  check(o, { apiVersion: 'karpenter.sh/v1', kind: 'NodePool' });
}

/** Validates a Config Connector ContainerNodePool with @kubernetes-models/gke. */
export function validateContainerNodePool(o: K8sObject): void {
  check(o, { apiVersion: 'container.cnrm.cloud.google.com/v1beta1', kind: 'ContainerNodePool' });
}
