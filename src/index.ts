// Public API of cdk8s-gitlab-runner.
export * from './common/errors';
export type { Resources, ResourceRange } from './common/resources';
export type { PodOptions } from './common/pod-options';
export type { SecretKeyReference, ResolvedSecretKey } from './common/secret-ref';
export type { TaintEffect, GkeTaintEffect } from './common/validate';
export type { INodePlacement, IBuildPodPlacer } from './common/placement';
export type { TolerationSpec, Taint } from './common/tolerations';
export * from './runner/config/model';
export { toToml, fromToml } from './runner/config/serialize';
export type { RunnerConditions } from './runner/config/serialize';
export * from './runner/executor-rbac';
export * from './runner/build-namespace';
export * from './runner/runner';
export * from './runner/gitlab-runner-manager';
export type { CaBundle } from './runner/ca-bundle';
export type { ProxyOptions } from './runner/proxy';
export * from './runner/build-pod';
export type {
  AdvancedRunnerOptions, BuildPodAffinity, BuildPodDnsConfig, DnsConfigOption, DnsPolicy, HostAlias, LabelSelector, LabelSelectorRequirement,
  NodeAffinity, NodeSelectorRequirement, NodeSelectorTerm, PodAffinity, PodAffinityTerm, PreferredSchedulingTerm, WeightedPodAffinityTerm,
} from './runner/advanced-options';
export type { JobOverrides, JobServiceAccount } from './runner/overwrites';
export type { JsonPatchOperation, PodSpecPatch } from './runner/pod-spec-patch';
export type { Capabilities, ContainerSecurityContext, PodSecurityContext } from './runner/security-context';
export * from './runner/profiles';
export * from './nodepool/node-pool';
export * from './nodepool/karpenter-node-pool';
export * from './nodepool/gke-node-pool';
export * from './nodepool/existing-node-pool';
export * from './nodepool/privileged-pod-guard';
export * from './cache/runner-cache';
export * from './cache/cache-credentials';
export * from './cache/bucket-provisioning-job';
export * from './cache/minio-cache';
export * from './cache/minio-tls';
export * from './cache/s3-cache';
export * from './cache/gcs-cache';
export { Values } from './helm/values';
export type { ObjectValueOptions, ValueOptions, ValueDefinition } from './helm/values';
export { HelmChart } from './helm/helm-chart';
export type { HelmChartProps } from './helm/helm-chart';
export * from './monitoring/metrics-scraper';
export * from './monitoring/manager-pod-monitor';
export * from './monitoring/minio-pod-monitor';
export * from './monitoring/runner-alerts';
export * from './monitoring/runner-monitoring';
