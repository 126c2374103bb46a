import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { CacheCredentials, GitLabRunnerManager, MinioCache } from './index';

/**
 * The reference stack: one runner manager for gitlab.com with one unprivileged runner whose
 * build pods run in their own namespace, and an in-cluster MinIO (standalone) as the runner's
 * distributed cache. Before applying, create the Secrets (README, "Distributed cache"):
 *
 *   kubectl -n gitlab-runner create secret generic gitlab-runner-token --from-literal=runner-token=glrt-…
 *   kubectl -n gitlab-runner-cache create secret generic minio-root --from-literal=rootUser=… --from-literal=rootPassword=…
 *   kubectl -n gitlab-runner-cache create secret generic gitlab-runner-cache --from-literal=accesskey=… --from-literal=secretkey=…
 *   kubectl -n gitlab-runner create secret generic gitlab-runner-cache --from-literal=accesskey=… --from-literal=secretkey=…
 */
export class ReferenceStack extends Chart {
  public readonly manager: GitLabRunnerManager;
  public readonly cache: MinioCache;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.manager = new GitLabRunnerManager(this, 'manager', { gitlabUrl: 'https://gitlab.com' });
    this.cache = new MinioCache(this, 'cache', {
      rootCredentials: CacheCredentials.fromSecret('minio-root'),
      cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
    });
    this.manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } }).useCache(this.cache);
  }
}

/** Synthesizes the reference stack into `outdir` (default: CDK8S_OUTDIR, else `dist`). */
export function main(outdir?: string): void {
  const app = new App({ outdir });
  new ReferenceStack(app, 'gitlab-runner');
  app.synth();
}

if (require.main === module) main();
