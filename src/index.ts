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
export { Values, resetValues } from './helm/values';
export type { ValueOptions, ValueDefinition } from './helm/values';
export { HelmChart } from './helm/helm-chart';
export type { HelmChartProps } from './helm/helm-chart';
