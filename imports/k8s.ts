// Typed Kubernetes 1.27 bindings. `cdk8s import k8s` downloads its schema from the internet, so
// instead of generating this file we re-export the bindings cdk8s-plus-27 ships (same generator,
// same API). Import from here, never from the deep path, so a later switch is one line.
export * from 'cdk8s-plus-27/lib/imports/k8s';
