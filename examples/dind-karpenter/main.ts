// Docker-in-Docker on EKS with Karpenter: a privileged runner whose build pods run only on a
// tainted Karpenter NodePool (guarded in the cluster by a ValidatingAdmissionPolicy), a default
// unprivileged runner, and one in-cluster MinIO cache shared by both.
// In your own repo, import from 'cdk8s-gitlab-runner' instead of '../../src'.
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { CacheCredentials, GitLabRunnerManager, KarpenterNodePool, MinioCache } from '../../src';

export class DindOnKarpenter extends Chart {
  public readonly pool: KarpenterNodePool;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const manager = new GitLabRunnerManager(this, 'manager', {
      gitlabUrl: 'https://gitlab.example.com',
      concurrent: 20,
    });

    const cache = new MinioCache(this, 'cache', {
      rootCredentials: CacheCredentials.fromSecret('minio-root'),           // keys rootUser, rootPassword
      cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'), // keys accesskey, secretkey
      storageSize: '50Gi',
      // Under Argo CD, run the bucket provisioning Job as a PostSync hook (after MinIO is healthy).
      // kubectl and Flux ignore the annotations: the Job then runs as a plain, content-named Job.
      provisioning: { hook: 'argocd' },
    });

    this.pool = new KarpenterNodePool(this, 'privileged-pool', {
      taint: { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NoSchedule' },
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
      limits: { cpu: '32', memory: '128Gi' },
    });
    // Rejects, in the cluster, any pod tolerating the pool's taint outside the DinD build namespace.
    this.pool.addAdmissionGuard();

    manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } }).useCache(cache);
    manager.addDindRunner('dind', {
      token: { secretName: 'gitlab-runner-dind-token' },
      nodePool: this.pool,
      allowedImages: ['docker:28*'],
      allowedServices: ['docker:28*-dind'],
    }).useCache(cache);
  }
}

/** Adds the example's charts to `app`; returns what to do by hand around `kubectl apply`. */
export function build(app: App): string[] {
  return new DindOnKarpenter(app, 'gitlab-runner').pool.nextSteps();
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
