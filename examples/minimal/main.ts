// The smallest useful stack: one runner manager, one runner, and an external S3 bucket as its
// distributed cache. In your own repo, import from 'cdk8s-gitlab-runner' instead of '../../src'.
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { GitLabRunnerManager, S3Cache } from '../../src';

export class MinimalRunner extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const manager = new GitLabRunnerManager(this, 'manager', {
      gitlabUrl: 'https://gitlab.example.com',
    });

    // No credentials: the manager signs cache URLs with its own AWS identity (EKS Pod Identity).
    // For static keys instead: credentials: CacheCredentials.fromSecret('gitlab-runner-s3-cache').
    const cache = new S3Cache(this, 'cache', {
      bucketName: 'example-gitlab-runner-cache',
      region: 'eu-west-1',
    });

    manager.addRunner('default', {
      token: { secretName: 'gitlab-runner-token' },
    }).useCache(cache);

    podIdentityEgress(manager);
  }
}

/**
 * EKS Pod Identity hands out the manager's AWS credentials from a node-local agent, which the
 * manager's own NetworkPolicy (DNS, 443, 6443) does not allow: NetworkPolicies add up, so one
 * more policy opens just that.
 */
function podIdentityEgress(manager: GitLabRunnerManager): void {
  const selectorKeys = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component'];
  new ApiObject(manager, 'pod-identity-egress', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `${manager.name}-pod-identity`, namespace: manager.namespace, labels: manager.labels },
    spec: {
      podSelector: { matchLabels: Object.fromEntries(selectorKeys.map((k) => [k, manager.labels[k]])) },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: [{ protocol: 'TCP', port: 80 }] }],
    },
  });
}

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  new MinimalRunner(app, 'gitlab-runner');
}

/** Synthesizes the example into `outdir` (default: its dist/ folder). */
export function synth(outdir = path.join(__dirname, 'dist')): void {
  // No construct-metadata.json: the output folder holds only manifests.
  const app = new App({ outdir, recordConstructMetadata: false });
  build(app);
  app.synth();
}

if (require.main === module) synth();
