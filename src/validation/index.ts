// The validator of synthesized manifests, importable as `cdk8s-gitlab-runner/validation`:
// validateManifests (schema, Pod Security and best practices, project rules), the report helpers,
// and the cdk8s validation plugin a cdk8s.yaml lists (cdk8s-plugin.ts).
export * from './finding';
export * from './rules';
export * from './schema';
export * from './validate';
export * from './report';
export * from './cdk8s-plugin';
