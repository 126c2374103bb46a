// GKE Standard: a rootless image-builder runner pushing to Google Artifact Registry with a
// service-account key, a Docker-in-Docker runner on a tainted GKE node pool managed through
// Config Connector, a default runner, and a GCS bucket as the keyless cache of all three.
// In your own repo, import from 'cdk8s-gitlab-runner' instead of '../../src'.
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { GcsCache, GitLabRunnerManager, GkeNodePool } from '../../src';

/** The Google service account the manager signs cache URLs as (Workload Identity). */
const CACHE_SIGNER = 'gitlab-runner@example-project.iam.gserviceaccount.com';

export class GkeRunners extends Chart {
  public readonly pool: GkeNodePool;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const manager = new GitLabRunnerManager(this, 'manager', {
      gitlabUrl: 'https://gitlab.example.com',
      concurrent: 20,
      // Keyless: no key in config.toml, the manager signs cache URLs as CACHE_SIGNER.
      serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': CACHE_SIGNER },
    });

    // A ContainerNodePool in the namespace Config Connector manages for your project.
    this.pool = new GkeNodePool(this, 'privileged-pool', {
      namespace: 'ci-infra',
      clusterName: 'ci-cluster',
      location: 'europe-west1',
      machineType: 'n2-standard-8',
      autoscaling: { minNodeCount: 0, maxNodeCount: 4 },
      taint: { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NO_SCHEDULE' },
    });

    const cache = new GcsCache(this, 'cache', { bucketName: 'example-gitlab-runner-cache' });
    metadataServerEgress(manager);

    manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } }).useCache(cache);
    manager.addImageBuilderRunner('image-builder', {
      token: { secretName: 'gitlab-runner-image-builder-token' },
      // A JSON key (Artifact Registry Reader + Writer) in a Secret of gitlab-runner-image-builds.
      googleServiceAccountKey: { secretName: 'artifact-registry-key' },
    }).useCache(cache);
    manager.addDindRunner('dind', {
      token: { secretName: 'gitlab-runner-dind-token' },
      nodePool: this.pool,
      allowedServices: ['docker:28*-dind'],
    }).useCache(cache);
  }
}

/**
 * Lets the manager reach the GKE metadata server (Workload Identity tokens), which its own
 * NetworkPolicy (DNS, 443, 6443) does not allow: NetworkPolicies add up, so one more policy opens
 * just that.
 */
function metadataServerEgress(manager: GitLabRunnerManager): void {
  const selectorKeys = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component'];
  new ApiObject(manager, 'metadata-server-egress', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `${manager.name}-metadata-server`, namespace: manager.namespace, labels: manager.labels },
    spec: {
      podSelector: { matchLabels: Object.fromEntries(selectorKeys.map((k) => [k, manager.labels[k]])) },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ ipBlock: { cidr: '169.254.169.254/32' } }], ports: [{ protocol: 'TCP', port: 80 }] },
        { to: [{ ipBlock: { cidr: '169.254.169.252/32' } }], ports: [{ protocol: 'TCP', port: 988 }] }, // GKE Dataplane V2
      ],
    },
  });
}

/** Adds the example's charts to `app`; returns what to do by hand around `kubectl apply`. */
export function build(app: App): string[] {
  return new GkeRunners(app, 'gitlab-runner').pool.nextSteps();
}

/** Synthesizes the example into `outdir` (default: its dist/ folder); returns the next steps. */
export function synth(outdir = path.join(__dirname, 'dist')): string[] {
  // No construct-metadata.json: the output folder holds only manifests.
  const app = new App({ outdir, recordConstructMetadata: false });
  const nextSteps = build(app);
  app.synth();
  return nextSteps;
}

if (require.main === module) {
  for (const step of synth()) console.log(`next: ${step}`);
}
