import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalid } from '../common/errors';
import { overDefaults, Resources } from '../common/resources';
import { SecretKeyReference, resolveSecretKey } from '../common/secret-ref';
import type { INodePlacement } from '../common/placement';
import { BuildContainerSecurityContext, EmptyDirBuildVolume, SecretBuildVolume, withBuiltInVolumes } from './build-pod';
import { RunnerOptions } from './runner';

/** Options of a Docker-in-Docker runner ({@link GitLabRunnerManager.addDindRunner}). */
export interface DindRunnerOptions extends Omit<RunnerOptions, 'privileged' | 'nodePools'> {
  /**
   * The tainted node pool the privileged build pods run on, and nothing else.
   */
  readonly nodePool: INodePlacement;
  /**
   * Namespace of the privileged build pods: no unprivileged runner may share it. It enforces Pod
   * Security "privileged" and audits/warns at "baseline".
   * @default - `<manager name>-privileged-builds`
   */
  readonly buildNamespace?: string;
  /**
   * How long the runner waits for a build pod to start: long enough for the pool to scale up
   * from zero.
   * @default Duration.minutes(10)
   */
  readonly pollTimeout?: Duration;
  /**
   * Service containers' requests and limits: the `docker:dind` service runs the builds. Merged
   * per resource and side over the defaults: a memory limit alone keeps the 1Gi request.
   * @default - cpu 500m/2, memory 1Gi/4Gi
   */
  readonly serviceResources?: RunnerOptions['serviceResources'];
}

/** Options of a rootless image-builder runner ({@link GitLabRunnerManager.addImageBuilderRunner}). */
export interface ImageBuilderRunnerOptions extends Omit<RunnerOptions, 'privileged'> {
  /**
   * A docker `config.json` (`{"auths":{"<registry>":{"auth":"<base64 user:password>"}}}`) in a
   * Secret of the build namespace, e.g. one made by `kubectl create secret docker-registry`.
   * Mounted read-only at `/var/run/secrets/registry/config.json`; `DOCKER_CONFIG` (BuildKit,
   * crane) and `REGISTRY_AUTH_FILE` (Buildah, skopeo) point at it.
   * @default - none
   */
  readonly registryCredentials?: SecretKeyReference;
  /**
   * A Google service-account JSON key (roles: Artifact Registry Reader and Writer) in a Secret of
   * the build namespace, for Google Artifact Registry. Mounted read-only at
   * `/var/run/secrets/google/key.json`; `GOOGLE_APPLICATION_CREDENTIALS` points at it.
   * @default - none
   */
  readonly googleServiceAccountKey?: SecretKeyReference;
  /**
   * Namespace of the image builds, with the registry Secrets.
   * @default - `<manager name>-image-builds`
   */
  readonly buildNamespace?: string;
  /**
   * The build container's user. Rootless BuildKit and Buildah images run as uid 1000 and map
   * subordinate ids with the setuid `newuidmap`/`newgidmap`, which needs privilege escalation in
   * the build container (and only there).
   * @default - uid 1000, gid 1000, runAsNonRoot, allowPrivilegeEscalation
   */
  readonly buildContainerSecurityContext?: RunnerOptions['buildContainerSecurityContext'];
}

/** Defaults of the runner profiles, in one place. */
export const PROFILE_DEFAULTS = {
  /** Default `dind`. */
  dind: {
    /** Default `dind.buildNamespaceSuffix`. */
    buildNamespaceSuffix: '-privileged-builds',
    /** Default `dind.pollTimeout`. */
    pollTimeout: Duration.minutes(10),
    /** Default `dind.serviceResources`. */
    serviceResources: { cpu: { request: '500m', limit: '2' }, memory: { request: '1Gi', limit: '4Gi' } } as Resources,
    /** The TLS client certificates `docker:dind` writes and the docker CLI reads, in memory. */
    certsVolume: { name: 'docker-certs', mountPath: '/certs/client', medium: 'Memory' } as EmptyDirBuildVolume,
    /** Job defaults for DinD with TLS; a job's own variables win. */
    environment: {
      /** Default `dind.environment.DOCKER_HOST`. */
      DOCKER_HOST: 'tcp://docker:2376',
      /** Default `dind.environment.DOCKER_TLS_CERTDIR`. */
      DOCKER_TLS_CERTDIR: '/certs',
      /** Default `dind.environment.DOCKER_TLS_VERIFY`. */
      DOCKER_TLS_VERIFY: '1',
      /** Default `dind.environment.DOCKER_CERT_PATH`. */
      DOCKER_CERT_PATH: '/certs/client',
    },
  },
  /** Default `imageBuilder`. */
  imageBuilder: {
    /** Default `imageBuilder.buildNamespaceSuffix`. */
    buildNamespaceSuffix: '-image-builds',
    /** Default `imageBuilder.buildContainerSecurityContext`. */
    buildContainerSecurityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, allowPrivilegeEscalation: true } as BuildContainerSecurityContext,
    /** Default `imageBuilder.registryCredentialsKey`. */
    registryCredentialsKey: '.dockerconfigjson',
    /** Default `imageBuilder.registryDir`. */
    registryDir: '/var/run/secrets/registry',
    /** Default `imageBuilder.googleKey`. */
    googleKey: 'key.json',
    /** Default `imageBuilder.googleDir`. */
    googleDir: '/var/run/secrets/google',
  },
};

/** The runner options of a privileged Docker-in-Docker runner bound to one tainted pool. */
export function dindRunnerOptions(managerName: string, o: DindRunnerOptions): RunnerOptions {
  const d = PROFILE_DEFAULTS.dind;
  const { nodePool, ...rest } = o;
  // The certificates volume is the library's: the user's volumes keep their own indexes in errors.
  return withBuiltInVolumes({
    ...rest,
    privileged: true,
    nodePools: nodePool === undefined ? [] : [nodePool],
    buildNamespace: o.buildNamespace ?? `${managerName}${d.buildNamespaceSuffix}`,
    pollTimeout: o.pollTimeout ?? d.pollTimeout,
    serviceResources: overDefaults(o.serviceResources, d.serviceResources),
    environment: { ...d.environment, ...o.environment },
  }, { emptyDir: [{ ...d.certsVolume, owner: `the DinD certificates volume "${d.certsVolume.name}"` }], nodePoolField: 'nodePool' });
}

/**
 * The runner options of an unprivileged image-builder runner. `scope` reports errors under the
 * runner's construct path, which does not exist yet.
 */
export function imageBuilderRunnerOptions(scope: IConstruct, managerName: string, o: ImageBuilderRunnerOptions): RunnerOptions {
  const d = PROFILE_DEFAULTS.imageBuilder;
  const { registryCredentials, googleServiceAccountKey, ...rest } = o;
  const secrets: Array<SecretBuildVolume & { owner: string }> = [];
  const environment: Record<string, string> = {};
  let registrySecret: string | undefined;
  if (registryCredentials !== undefined) {
    const ref = resolveSecretKey(scope, 'registryCredentials', registryCredentials, d.registryCredentialsKey);
    registrySecret = ref.secretName;
    secrets.push({ secretName: ref.secretName, mountPath: d.registryDir, items: { [ref.key]: 'config.json' }, owner: `the registryCredentials volume "${ref.secretName}"` });
    environment.DOCKER_CONFIG = d.registryDir;
    environment.REGISTRY_AUTH_FILE = `${d.registryDir}/config.json`;
  }
  if (googleServiceAccountKey !== undefined) {
    const ref = resolveSecretKey(scope, 'googleServiceAccountKey', googleServiceAccountKey, d.googleKey);
    if (ref.secretName === registrySecret) {
      invalid(scope, 'googleServiceAccountKey.secretName', ref.secretName,
        'must differ from registryCredentials.secretName: each Secret is mounted as its own volume, named after it');
    }
    secrets.push({ secretName: ref.secretName, mountPath: d.googleDir, items: { [ref.key]: 'key.json' }, owner: `the googleServiceAccountKey volume "${ref.secretName}"` });
    environment.GOOGLE_APPLICATION_CREDENTIALS = `${d.googleDir}/key.json`;
  }
  return withBuiltInVolumes({
    ...rest,
    privileged: false,
    buildNamespace: o.buildNamespace ?? `${managerName}${d.buildNamespaceSuffix}`,
    buildContainerSecurityContext: o.buildContainerSecurityContext ?? d.buildContainerSecurityContext,
    environment: { ...environment, ...o.environment },
  }, { secret: secrets });
}
