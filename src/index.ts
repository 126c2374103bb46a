// Public API of cdk8s-gitlab-runner.
export * from './common/errors';
export type { Resources, ResourceRange } from './common/resources';
export type { SecretKeyReference, ResolvedSecretKey } from './common/secret-ref';
export * from './runner/config/model';
export { toToml, fromToml } from './runner/config/serialize';
export * from './runner/executor-rbac';
export * from './runner/build-namespace';
export * from './runner/runner';
export * from './runner/gitlab-runner-manager';
export * from './cache/runner-cache';
export * from './cache/cache-credentials';
export * from './cache/bucket-provisioning-job';
export * from './cache/minio-cache';
export * from './cache/s3-cache';
export * from './cache/gcs-cache';
