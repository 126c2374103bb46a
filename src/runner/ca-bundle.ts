import { IConstruct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { invalid } from '../common/errors';
import * as v from '../common/validate';
import { valueOf, whileSet } from '../common/values';
import { ConfigMapVolumeToml, SecretVolumeToml } from './config/model';

/**
 * A private CA bundle (PEM, one or more certificates) the runner trusts, from a Secret or a
 * ConfigMap you create: referenced, never copied into the manifests.
 */
export interface CaBundle {
  /**
   * Secret holding the bundle, in the manager's namespace (and, with `trustInBuildPods`, in each
   * build namespace, under the same name). Exactly one of `secretName` and `configMapName`.
   * @default - none
   */
  readonly secretName?: string;
  /**
   * ConfigMap holding the bundle, like `secretName` (a CA is not secret: a ConfigMap such as
   * one trust-manager distributes suits it).
   * @default - none
   */
  readonly configMapName?: string;
  /**
   * Key of the bundle in that Secret or ConfigMap.
   * @default 'ca.crt'
   */
  readonly key?: string;
  /**
   * Trust the bundle in build pods too, for the cache endpoint (the helper's cache client) and
   * for job tools: mounted by `[runners.kubernetes.volumes]`, which the runner mounts into every
   * container of a build pod (helper, build, services), with `SSL_CERT_DIR` naming it beside the
   * system certificates. The Secret or ConfigMap must then exist in each build namespace. Not
   * needed for GitLab itself: the runner hands jobs the chain it verified GitLab with, as
   * `CI_SERVER_TLS_CA_FILE` (git clone, artifacts).
   * @default false
   */
  readonly trustInBuildPods?: boolean;
}

/** Where the bundle is mounted, in the manager and in build pods. */
export const CA_DIR = '/etc/gitlab-runner-ca';
/** The bundle's file name there. */
export const CA_FILE = 'ca.crt';
/** Go (the runner, its helper) and OpenSSL read every certificate file of these directories. */
const SSL_CERT_DIR = `/etc/ssl/certs:${CA_DIR}`;
const VOLUME = 'ca-bundle';

/** {@link CaBundle}, checked. */
export interface ResolvedCaBundle {
  readonly kind: 'secret' | 'configMap';
  readonly name: string;
  readonly key: string;
  readonly trustInBuildPods: boolean;
}

/** Checks `caBundle` (the manager's prop); undefined when unset. */
export function resolveCaBundle(scope: IConstruct, bundle: CaBundle | undefined): ResolvedCaBundle | undefined {
  if (bundle === undefined) return undefined;
  const example = 'e.g. { configMapName: "corp-ca", key: "ca.crt" }';
  if (bundle === null || typeof bundle !== 'object' || Array.isArray(bundle)) invalid(scope, 'caBundle', bundle, `must be an object naming a Secret or a ConfigMap, ${example}`);
  const known = ['secretName', 'configMapName', 'key', 'trustInBuildPods'];
  for (const key of Object.keys(bundle)) {
    if (!known.includes(key)) invalid(scope, `caBundle.${key}`, (bundle as any)[key], `is not a CA bundle option: use ${known.join(', ')}`);
  }
  if ((bundle.secretName === undefined) === (bundle.configMapName === undefined)) {
    invalid(scope, 'caBundle', bundle, `must name exactly one of secretName and configMapName, ${example}`);
  }
  const [kind, field] = bundle.secretName !== undefined ? ['secret', 'caBundle.secretName'] as const : ['configMap', 'caBundle.configMapName'] as const;
  // A Helm value may be left empty: no bundle then (the chart leaves out what would use it).
  const name = v.emptyOr(scope, (bundle.secretName ?? bundle.configMapName)!, v.NAME_PATTERNS.dnsSubdomain, (c) => v.dnsSubdomain(scope, field, c));
  const key = v.secretKey(scope, 'caBundle.key', bundle.key ?? CA_FILE);
  const trustInBuildPods = v.boolean(scope, 'caBundle.trustInBuildPods', bundle.trustInBuildPods ?? false);
  if (trustInBuildPods && valueOf(name) !== undefined) {
    // config.toml's volume tables cannot be left out line by line while a Helm value is empty.
    invalid(scope, 'caBundle.trustInBuildPods', trustInBuildPods, 'must be false while the bundle\'s name is a Helm value (which may be left empty): name the Secret or ConfigMap in TypeScript to trust it in build pods');
  }
  return { kind, name, key, trustInBuildPods };
}

// Everything below is written only while the bundle's name is set: a name that is a Helm value
// may be left empty. The runner would not tell a `tls-ca-file` naming no file (it skips it), so
// nothing points at a bundle that is not there.

/** The manager pod's volume holding the bundle as `ca.crt`. */
export function caVolume(bundle: ResolvedCaBundle): k8s.Volume {
  const items = [{ key: bundle.key, path: CA_FILE }];
  const name = whileSet([bundle.name], VOLUME);
  return bundle.kind === 'secret'
    ? { name, secret: { secretName: bundle.name, items, defaultMode: 0o444 } }
    : { name, configMap: { name: bundle.name, items, defaultMode: 0o444 } };
}

/** The runner container's mount of {@link caVolume}. */
export function caMount(bundle: ResolvedCaBundle): k8s.VolumeMount {
  return { name: whileSet([bundle.name], VOLUME), mountPath: CA_DIR, readOnly: true };
}

/** The runner container's env: other HTTPS clients of the runner (cache signing) trust it too. */
export function caEnv(bundle: ResolvedCaBundle | undefined): k8s.EnvVar[] {
  return bundle ? [{ name: whileSet([bundle.name], 'SSL_CERT_DIR'), value: SSL_CERT_DIR }] : [];
}

/** `tls-ca-file` of every `[[runners]]` entry: the CA the runner verifies GitLab with. */
export function caFile(bundle: ResolvedCaBundle): string {
  return whileSet([bundle.name], `${CA_DIR}/${CA_FILE}`);
}

/** What a build pod gets with `trustInBuildPods`: a volume of the runner's and an env entry. */
export function buildPodTrust(bundle: ResolvedCaBundle): { secret?: SecretVolumeToml; configMap?: ConfigMapVolumeToml; environment: string } {
  const volume = { name: bundle.name, mount_path: CA_DIR, read_only: true, items: { [bundle.key]: CA_FILE } };
  return { ...(bundle.kind === 'secret' ? { secret: volume } : { configMap: volume }), environment: `SSL_CERT_DIR=${SSL_CERT_DIR}` };
}
