// Every typed option of a runner: job scripts, log size and clone URL; affinity, DNS and host
// aliases; pod and container security contexts and capabilities; configMap, PVC, CSI and (on the
// privileged runner) hostPath volumes; pod_spec patches; and per-job overrides within limits, with
// service accounts jobs may pick. An unprivileged runner and a DinD runner on a tainted pool.
// In your own repo, import from 'cdk8s-gitlab-runner' instead of '../../src'.
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ExistingNodePool, GitLabRunnerManager } from '../../src';

export class PowerUser extends Chart {
  public readonly pool: ExistingNodePool;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const manager = new GitLabRunnerManager(this, 'manager', {
      gitlabUrl: 'https://gitlab.example.com',
      concurrent: 20,
    });

    this.pool = new ExistingNodePool(this, 'privileged-pool', {
      taint: { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NoSchedule' },
      nodeNames: ['ci-dind-1', 'ci-dind-2'],
    });

    manager.addRunner('default', {
      token: { secretName: 'gitlab-runner-token' },
      // [[runners]]: scripts around every job, a larger log, clones from the in-cluster GitLab.
      preGetSourcesScript: 'git config --global http.postBuffer 524288000',
      preBuildScript: 'echo "runner: $CI_RUNNER_DESCRIPTION, job: $CI_JOB_ID"',
      postBuildScript: 'df -h /builds || true',
      outputLimit: 16384,
      cloneUrl: 'https://gitlab-webservice.gitlab.svc.cluster.local',
      requestConcurrency: 2,
      podTerminationGracePeriod: Duration.seconds(60),
      // Scheduling: amd64 nodes, spread across hosts.
      affinity: {
        nodeAffinity: {
          required: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }],
          preferred: [{ weight: 20, preference: { matchExpressions: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }] } }],
        },
        podAntiAffinity: {
          preferred: [{
            weight: 50,
            podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'job.runner.gitlab.com/pod', operator: 'Exists' }] } },
          }],
        },
      },
      dnsPolicy: 'ClusterFirst',
      dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
      hostAliases: [{ ip: '10.20.0.15', hostnames: ['registry.internal'] }],
      // Security: non-root build container, every capability dropped but what git and package managers need.
      podSecurityContext: { fsGroup: 1000 },
      buildContainerSecurityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true },
      helperContainerSecurityContext: { capabilities: { drop: ['ALL'] } },
      serviceContainerSecurityContext: { capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } },
      capAdd: ['CHOWN', 'SETUID', 'SETGID'],
      capDrop: ['NET_RAW', 'SYS_CHROOT'],
      volumes: {
        configMap: [{ configMapName: 'ci-scripts', mountPath: '/opt/ci' }],
        pvc: [{ claimName: 'ci-datasets', mountPath: '/datasets', readOnly: true }],
        csi: [{ name: 'ci-secrets', mountPath: '/mnt/secrets', driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'ci' } }],
      },
      podSpecPatches: [
        { name: 'hostname', patchType: 'merge', patch: { hostname: 'ci-build' } },
        { name: 'team-toleration', patchType: 'json', patch: [{ op: 'add', path: '/tolerations', value: [{ key: 'team', operator: 'Equal', value: 'ci', effect: 'NoSchedule' }] }] },
      ],
      // What jobs may change with KUBERNETES_* variables, and how far.
      jobOverrides: {
        serviceAccounts: [{ name: 'ci-deployer', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/ci-deployer' } }],
        nodeSelector: '^team=[a-z0-9-]+$',
        tolerations: '^team=[a-z0-9-]+:NoSchedule$',
        podLabels: '^team=[a-z0-9-]+$',
        podAnnotations: '^example\\.com/[a-z-]+=.*$',
        maxBuildResources: { cpu: { request: '4', limit: '8' }, memory: { request: '8Gi', limit: '16Gi' }, ephemeralStorage: { request: '20Gi', limit: '40Gi' } },
        maxHelperResources: { cpu: { request: '500m', limit: '1' }, memory: { request: '512Mi', limit: '1Gi' } },
        maxServiceResources: { cpu: { request: '2', limit: '4' }, memory: { request: '4Gi', limit: '8Gi' } },
      },
    });

    manager.addDindRunner('dind', {
      token: { secretName: 'gitlab-runner-dind-token' },
      nodePool: this.pool,
      allowedServices: ['docker:28*-dind'],
      // A node-local layer cache: hostPath is for privileged runners only.
      volumes: { hostPath: [{ name: 'docker-layers', mountPath: '/var/cache/docker-layers', hostPath: '/var/cache/ci-docker-layers', readOnly: false }] },
      // The helper needs no privilege even where the build and docker:dind do.
      helperContainerSecurityContext: { privileged: false, allowPrivilegeEscalation: false },
      jobOverrides: { maxServiceResources: { memory: { limit: '8Gi' } } },
    });
  }
}

/** Adds the example's charts to `app`; returns what to do by hand around `kubectl apply`. */
export function build(app: App): string[] {
  return new PowerUser(app, 'gitlab-runner').pool.nextSteps();
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
