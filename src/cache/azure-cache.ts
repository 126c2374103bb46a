import { Construct } from 'constructs';
import { ResolvedSecretKey, resolveSecretKey, SecretKeyReference } from '../common/secret-ref';
import { readable } from '../common/shape';
import { CacheBinding, CacheClient, IRunnerCache } from '../runner/cache-contract';
import { azureAccountName, azureContainerName, storageDomain } from './cloud-names';
import { resolveCacheOptions, RunnerCacheOptions } from './runner-cache';

/** Props of an {@link AzureCache}. */
export interface AzureCacheProps extends RunnerCacheOptions {
  /** The storage account (`AccountName`), created and managed outside this library. */
  readonly accountName: string;
  /** The blob container (`ContainerName`) in that account; give it a lifecycle delete rule. */
  readonly containerName: string;
  /**
   * The account's access key, from a Secret in each wired manager's namespace. The manager's
   * init container puts it into config.toml at pod start, as it does the runner token.
   * @default - no key: the manager signs cache URLs with its own Azure identity
   * (DefaultAzureCredential: workload identity or a managed identity), through a user
   * delegation key
   */
  readonly accountKey?: SecretKeyReference;
  /**
   * The blob service domain (`StorageDomain`), for sovereign clouds or Azurite.
   * @default - the runner's default, `blob.core.windows.net`
   */
  readonly storageDomain?: string;
}

/** Defaults of {@link AzureCacheProps}, in one place. */
export const AZURE_CACHE_DEFAULTS = {
  /** Default key of `accountKey`. */
  accountKeyKey: 'accountkey',
};

/**
 * An Azure Blob Storage container as the runners' cache, wired like {@link MinioCache}:
 * `runner.useCache(cache)`.
 *
 * With `accountKey`, config.toml holds a placeholder that the manager's init container replaces
 * with the Secret's value at pod start (never the key itself). Without it, gitlab-runner 18.9
 * signs cache URLs with a user delegation key obtained with the manager's own Azure identity
 * (DefaultAzureCredential): give that identity "Storage Blob Data Contributor" on the container
 * (and "Storage Blob Delegator" on the account). With AKS workload identity, annotate the
 * manager's ServiceAccount (`serviceAccountAnnotations`: `azure.workload.identity/client-id`);
 * the webhook also wants the pod label `azure.workload.identity/use: "true"` on the manager pod.
 * With the manager's NetworkPolicy on, the manager reaches Azure on 443.
 *
 * @example
 * const cache = new AzureCache(chart, 'cache', {
 *   accountName: 'runnercache', containerName: 'runner-cache',
 *   accountKey: { secretName: 'azure-cache-key' },   // key "accountkey"
 * });
 * manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } }).useCache(cache);
 */
export class AzureCache extends Construct implements IRunnerCache {
  /** The storage account. */
  public readonly accountName: string;
  /** The blob container. */
  public readonly containerName: string;
  /** The blob service domain, when set. */
  public readonly storageDomain?: string;
  /** The account key's Secret, when the cache uses one. */
  public readonly accountKey?: ResolvedSecretKey;
  /** Prefix of the cache objects (`Path`). */
  public readonly path: string;
  /** Whether runners share cache keys (`Shared`). */
  public readonly shared: boolean;

  constructor(scope: Construct, id: string, props: AzureCacheProps) {
    super(scope, id);
    readable(this, props);
    const p = props ?? ({} as AzureCacheProps);
    this.accountName = azureAccountName(this, 'accountName', p.accountName);
    this.containerName = azureContainerName(this, 'containerName', p.containerName);
    this.storageDomain = p.storageDomain === undefined ? undefined : storageDomain(this, 'storageDomain', p.storageDomain);
    this.accountKey = p.accountKey === undefined ? undefined : resolveSecretKey(this, 'accountKey', p.accountKey, AZURE_CACHE_DEFAULTS.accountKeyKey);
    const { path, shared } = resolveCacheOptions(this, p);
    this.path = path;
    this.shared = shared;
  }

  /** Wires a runner (called by {@link Runner.useCache}). */
  public bind(client: CacheClient): CacheBinding {
    return {
      config: {
        Type: 'azure',
        Path: this.path,
        Shared: this.shared,
        azure: {
          AccountName: this.accountName,
          AccountKey: this.accountKey ? client.secretPlaceholder(this.accountKey) : undefined,
          ContainerName: this.containerName,
          StorageDomain: this.storageDomain,
        },
      },
    };
  }
}
