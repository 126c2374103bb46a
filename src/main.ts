import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { GitLabRunnerManager, KarpenterNodePool, TaintedNodePool } from './index';

/**
 * The reference stack: one runner manager for gitlab.com with
 * - a default unprivileged runner whose build pods run in `gitlab-runner-builds` (Pod Security
 *   baseline), on any node;
 * - a privileged Docker-in-Docker runner whose build pods run only on a tainted Karpenter node
 *   pool that nothing else tolerates, in `gitlab-runner-privileged-builds` (Pod Security
 *   privileged), guarded in the cluster by a ValidatingAdmissionPolicy.
 *
 * Before applying, create the token Secrets (one GitLab runner each, with its own tags):
 *
 *   kubectl -n gitlab-runner create secret generic gitlab-runner-token --from-literal=runner-token=glrt-…
 *   kubectl -n gitlab-runner create secret generic gitlab-runner-dind-token --from-literal=runner-token=glrt-…
 */
export class ReferenceStack extends Chart {
  public readonly manager: GitLabRunnerManager;
  public readonly pool: TaintedNodePool;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.pool = new KarpenterNodePool(this, 'privileged-pool', {
      taint: { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NoSchedule' },
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
    });
    this.pool.addAdmissionGuard();

    this.manager = new GitLabRunnerManager(this, 'manager', { gitlabUrl: 'https://gitlab.com' });
    this.manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } });
    this.manager.addDindRunner('dind', {
      token: { secretName: 'gitlab-runner-dind-token' },
      nodePool: this.pool,
      allowedServices: ['docker:*-dind'],
    });
  }

  /** What to do by hand around `kubectl apply`. */
  public nextSteps(): string[] {
    return this.pool.nextSteps();
  }
}

/**
 * Synthesizes the reference stack into `outdir` (default: CDK8S_OUTDIR, else `dist`) and
 * returns the next steps to do by hand.
 */
export function main(outdir?: string): string[] {
  const app = new App({ outdir });
  const stack = new ReferenceStack(app, 'gitlab-runner');
  app.synth();
  return stack.nextSteps();
}

if (require.main === module) main();
