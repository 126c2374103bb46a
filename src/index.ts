// Public API of cdk8s-gitlab-runner.
export * from './common/errors';
export type { Resources, ResourceRange } from './common/resources';
export type { SecretKeyReference, ResolvedSecretKey } from './common/secret-ref';
export type { TaintEffect, GkeTaintEffect } from './common/validate';
export * from './runner/config/model';
export { toToml, fromToml } from './runner/config/serialize';
export * from './runner/executor-rbac';
export * from './runner/build-namespace';
export * from './runner/runner';
export * from './runner/gitlab-runner-manager';
export * from './runner/build-pod';
export * from './runner/profiles';
export * from './nodepool/node-pool';
export * from './nodepool/karpenter-node-pool';
export * from './nodepool/gke-node-pool';
export * from './nodepool/existing-node-pool';
export * from './nodepool/privileged-pod-guard';
