import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { GitLabRunnerManager } from './index';

/**
 * The reference stack: one runner manager for gitlab.com with one unprivileged runner whose
 * build pods run in their own namespace. Before applying, create the token Secret:
 *
 *   kubectl -n gitlab-runner create secret generic gitlab-runner-token --from-literal=runner-token=glrt-…
 */
export class ReferenceStack extends Chart {
  public readonly manager: GitLabRunnerManager;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.manager = new GitLabRunnerManager(this, 'manager', { gitlabUrl: 'https://gitlab.com' });
    this.manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } });
  }
}

/** Synthesizes the reference stack into `outdir` (default: CDK8S_OUTDIR, else `dist`). */
export function main(outdir?: string): void {
  // No construct-metadata.json (the cdk8s CLI asks for one when validations run): dist/ must hold
  // only manifests, or an Argo CD / Flux directory sync fails on it. Findings name objects anyway.
  const app = new App({ outdir, recordConstructMetadata: false });
  new ReferenceStack(app, 'gitlab-runner');
  app.synth();
}

if (require.main === module) main();
