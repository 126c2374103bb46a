import { K8sObject } from './helpers';

/**
 * Validates an object against its schema with third-party models generated from the upstream
 * specs: kubernetes-models for Kubernetes kinds, @kubernetes-models/external-secrets for the
 * ExternalSecret. Unknown kinds fail: nothing is skipped.
 *
 * The ExternalSecret is emitted as external-secrets.io/v1 (the only version External Secrets
 * Operator serves since 0.17); the models package knows v1beta1 only, whose schema for the
 * fields used here (refreshInterval, secretStoreRef, target, data[].remoteRef) is the same, so
 * the object is checked against v1beta1 with that one field swapped.
 */
export function validateSchema(o: K8sObject): void {
  if (o.apiVersion === 'external-secrets.io/v1' && o.kind === 'ExternalSecret') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ExternalSecret } = require('@kubernetes-models/external-secrets/external-secrets.io/v1beta1');
    new ExternalSecret({ ...o, apiVersion: 'external-secrets.io/v1beta1' }).validate();
    return;
  }
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : [undefined, o.apiVersion];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const models = require(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
  const Model = models[o.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  new Model(o).validate();
}
