import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { invalid, redact } from '../common/errors';
import { ResolvedSecretKey, resolveSecretKey } from '../common/secret-ref';
import * as v from '../common/validate';
import { knownKeys } from '../common/shape';

/** Names of the two keys of a credentials Secret. */
export interface CredentialKeys {
  /**
   * Key holding the access key (the user name; for MinIO's root user, `MINIO_ROOT_USER`).
   * @default - depends on the use: `rootUser` for MinIO's root credentials, `accesskey` for cache keys
   */
  readonly accessKey?: string;
  /**
   * Key holding the secret key (the password).
   * @default - depends on the use: `rootPassword` for MinIO's root credentials, `secretkey` for cache keys
   */
  readonly secretKey?: string;
}

/** Options of {@link CacheCredentials.fromExternalSecret}. */
export interface ExternalSecretCredentialsOptions {
  /** The SecretStore or ClusterSecretStore that External Secrets Operator reads from. */
  readonly storeName: string;
  /**
   * Kind of the store. A ClusterSecretStore serves every namespace; a namespaced SecretStore must
   * exist, with this name, in each namespace the Secret is needed in.
   * @default 'ClusterSecretStore'
   */
  readonly storeKind?: 'ClusterSecretStore' | 'SecretStore';
  /** The secret's key in the external store (a Vault path, an AWS Secrets Manager name, …). */
  readonly remoteKey: string;
  /**
   * Properties of the remote secret holding each value.
   * @default - the same names as the Secret keys (e.g. `accesskey` and `secretkey`)
   */
  readonly remoteProperties?: CredentialKeys;
  /**
   * How often External Secrets Operator re-reads the store.
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
  /**
   * Name of the Secret the operator writes (in every namespace that needs it).
   * @default - depends on the use: `<cache name>-root` for MinIO's root credentials, `<cache name>-cache-keys` for MinIO's cache keys, `<cache name>-keys` for an S3Cache's keys
   */
  readonly secretName?: string;
}

/** Options of {@link CacheCredentials.insecureLiteralForDevelopmentOnly}. */
export interface InsecureLiteralCredentials {
  /** The access key (user name), at least 3 characters. */
  readonly accessKey: string;
  /** The secret key (password), at least 8 characters. */
  readonly secretKey: string;
  /**
   * Name of the Secret emitted with these values.
   * @default - depends on the use, as for {@link ExternalSecretCredentialsOptions.secretName}
   */
  readonly secretName?: string;
}

/** Defaults of {@link ExternalSecretCredentialsOptions}, in one place. */
export const EXTERNAL_SECRET_DEFAULTS = {
  /** Default `storeKind`. */
  storeKind: 'ClusterSecretStore' as const,
  /** Default `refreshInterval`. */
  refreshInterval: Duration.hours(1),
};

/**
 * Annotation on Secrets emitted by {@link CacheCredentials.insecureLiteralForDevelopmentOnly}: anyone
 * reading the manifests sees why a Secret with data is there.
 */
export const INSECURE_LITERAL_ANNOTATION = 'cdk8s-gitlab-runner/insecure-literal-credentials';

/** Where {@link CacheCredentials} come from (see its static methods). */
export type CacheCredentialsSource =
  | {
    /** An existing Secret. */
    readonly kind: 'secret';
    /** Its name. */
    readonly secretName: string;
    /** Its key names. */
    readonly keys: CredentialKeys;
  }
  | {
    /** An ExternalSecret this library emits. */
    readonly kind: 'external-secret';
    /** How to fetch the values. */
    readonly options: ExternalSecretCredentialsOptions;
  }
  | {
    /** A Secret with literal values (development only). */
    readonly kind: 'insecure-literal';
    /** The values. */
    readonly values: InsecureLiteralCredentials;
  };

/**
 * Where a pair of credentials (an access key and a secret key) comes from: MinIO's root user, or
 * the keys runners use for the cache. Credentials are referenced, never written into `dist/`:
 *
 * - {@link fromSecret}: a Secret you create (kubectl, Sealed Secrets, your own tooling);
 * - {@link fromExternalSecret}: an ExternalSecret (external-secrets.io) is emitted, and External
 *   Secrets Operator writes the Secret from your secret store;
 * - {@link insecureLiteralForDevelopmentOnly}: the values themselves, emitted as a Secret in clear
 *   text. For a throwaway lab cluster only.
 *
 * Secrets are namespaced: the same Secret (same name and keys) must exist in every namespace that
 * reads it. The construct using these credentials documents which namespaces those are.
 *
 * @example
 * CacheCredentials.fromSecret('gitlab-runner-cache');                 // keys accesskey / secretkey
 * CacheCredentials.fromExternalSecret({ storeName: 'vault', remoteKey: 'ci/runner-cache' });
 */
export class CacheCredentials {
  /**
   * A Secret that exists in the cluster (or will, before the pods start).
   * @param secretName The Secret's name, the same in every namespace that needs it.
   * @param keys Names of its two keys.
   */
  public static fromSecret(secretName: string, keys: CredentialKeys = {}): CacheCredentials {
    return new CacheCredentials({ kind: 'secret', secretName, keys });
  }

  /**
   * An ExternalSecret (external-secrets.io/v1) per namespace that needs the Secret; External
   * Secrets Operator (0.16 or later) creates the Secret from your store.
   */
  public static fromExternalSecret(options: ExternalSecretCredentialsOptions): CacheCredentials {
    return new CacheCredentials({ kind: 'external-secret', options });
  }

  /**
   * INSECURE: writes the given values into a Secret in the synthesized manifests, in clear text,
   * in every namespace that needs it. Only for a disposable development cluster whose manifests
   * never reach git.
   */
  public static insecureLiteralForDevelopmentOnly(values: InsecureLiteralCredentials): CacheCredentials {
    return new CacheCredentials({ kind: 'insecure-literal', values });
  }

  private constructor(private readonly source: CacheCredentialsSource) {}

  /** @internal */
  public _source(): CacheCredentialsSource {
    return this.source;
  }
}

/** How a construct uses a pair of credentials. */
export interface CredentialsUse {
  /** Secret name when the source does not name one. */
  readonly defaultSecretName: string;
  /** Key names when the source does not name them. */
  readonly defaultKeys: {
    /** Key of the access key. */
    readonly accessKey: string;
    /** Key of the secret key. */
    readonly secretKey: string;
  };
  /** What the credentials are for, in the Secret's annotation (dev opt-in only). */
  readonly purpose: string;
}

/** Credentials validated for one use, ready to be provided in any namespace. */
export interface ResolvedCredentials {
  /** Where they come from. */
  readonly kind: 'secret' | 'external-secret' | 'insecure-literal';
  /** Name of the Secret, the same in every namespace. */
  readonly secretName: string;
  /** The Secret key holding the access key. */
  readonly accessKey: ResolvedSecretKey;
  /** The Secret key holding the secret key. */
  readonly secretKey: ResolvedSecretKey;
}

/**
 * Validates `value` (a {@link CacheCredentials}) for `use`, and returns a provider that makes the
 * Secret available in a namespace: nothing to emit for an existing Secret, an ExternalSecret or
 * (dev opt-in) a Secret otherwise, each emitted once per namespace under `scope`.
 */
export function resolveCredentials(scope: Construct, field: string, value: CacheCredentials | undefined, use: CredentialsUse): CredentialsProvider {
  if (typeof value === 'string') {
    invalid(scope, field, redact(value), 'a literal secret would be written to dist/ in clear text: reference a Secret with CacheCredentials.fromSecret("…") or CacheCredentials.fromExternalSecret({ … })');
  }
  if (!(value instanceof CacheCredentials)) {
    // Never print the object: a caller may have passed the credentials themselves.
    invalid(scope, field, value === undefined ? value : `${typeof value} (not shown)`, 'must reference the credentials: CacheCredentials.fromSecret("…"), CacheCredentials.fromExternalSecret({ … }), or for a development cluster only CacheCredentials.insecureLiteralForDevelopmentOnly({ … })');
  }
  return new CredentialsProvider(scope, field, value._source(), use);
}

/** See {@link resolveCredentials}. */
export class CredentialsProvider {
  /** The credentials' Secret and keys, the same in every namespace. */
  public readonly resolved: ResolvedCredentials;

  constructor(private readonly scope: Construct, private readonly field: string, private readonly source: CacheCredentialsSource, private readonly use: CredentialsUse) {
    const keys = this.keyNames();
    const secretName = this.secretName();
    // Key names first, so an error names which key is wrong; then the references themselves.
    const ref = (which: 'accessKey' | 'secretKey') => {
      const key = v.secretKey(scope, `${field}.keys.${which}`, keys[which] ?? use.defaultKeys[which]);
      return resolveSecretKey(scope, field, { secretName, key }, key);
    };
    const accessKey = ref('accessKey');
    const secretKey = ref('secretKey');
    if (accessKey.key === secretKey.key) {
      invalid(scope, `${field}.keys.secretKey`, secretKey.key, 'must differ from the access key\'s key');
    }
    this.resolved = { kind: source.kind, secretName: accessKey.secretName, accessKey, secretKey };
    this.validateSource();
  }

  /**
   * Makes the Secret available in `namespace`: emits its ExternalSecret or (dev opt-in) Secret
   * there, once. Returns the Secret reference, valid in that namespace.
   */
  public provideIn(namespace: string, labels: Record<string, string>): ResolvedCredentials {
    const id = `${this.field}-${namespace}`;
    if (this.source.kind !== 'secret' && !this.scope.node.tryFindChild(id)) {
      const metadata = { name: this.resolved.secretName, namespace, labels };
      if (this.source.kind === 'external-secret') {
        new ApiObject(this.scope, id, externalSecret(metadata, this.source.options, this.resolved));
      } else {
        new k8s.KubeSecret(this.scope, id, {
          metadata: {
            ...metadata,
            annotations: { [INSECURE_LITERAL_ANNOTATION]: `INSECURE, development only: ${this.use.purpose} in clear text in the manifests (CacheCredentials.insecureLiteralForDevelopmentOnly)` },
          },
          type: 'Opaque',
          stringData: {
            [this.resolved.accessKey.key]: this.source.values.accessKey,
            [this.resolved.secretKey.key]: this.source.values.secretKey,
          },
        });
      }
    }
    return this.resolved;
  }

  private keyNames(): CredentialKeys {
    if (this.source.kind === 'secret') knownKeys(this.scope, `${this.field}.keys`, this.source.keys, ['accessKey', 'secretKey']);
    return this.source.kind === 'secret' ? this.source.keys ?? {} : {};
  }

  private secretName(): string {
    switch (this.source.kind) {
      case 'secret': return this.source.secretName;
      case 'external-secret': return this.source.options?.secretName ?? this.use.defaultSecretName;
      case 'insecure-literal': return this.source.values?.secretName ?? this.use.defaultSecretName;
    }
  }

  private validateSource(): void {
    const s = this.source;
    const f = this.field;
    if (s.kind === 'external-secret') {
      const o = s.options ?? ({} as ExternalSecretCredentialsOptions);
      knownKeys(this.scope, f, o, ['storeName', 'storeKind', 'remoteKey', 'remoteProperties', 'refreshInterval', 'secretName']);
      knownKeys(this.scope, `${f}.remoteProperties`, o.remoteProperties, ['accessKey', 'secretKey']);
      v.dnsSubdomain(this.scope, `${f}.storeName`, o.storeName);
      v.oneOf(this.scope, `${f}.storeKind`, o.storeKind ?? EXTERNAL_SECRET_DEFAULTS.storeKind, ['ClusterSecretStore', 'SecretStore']);
      v.nonEmptyString(this.scope, `${f}.remoteKey`, o.remoteKey, 'ci/gitlab-runner-cache');
      if (o.remoteProperties?.accessKey !== undefined) v.nonEmptyString(this.scope, `${f}.remoteProperties.accessKey`, o.remoteProperties.accessKey, 'accesskey');
      if (o.remoteProperties?.secretKey !== undefined) v.nonEmptyString(this.scope, `${f}.remoteProperties.secretKey`, o.remoteProperties.secretKey, 'secretkey');
      v.seconds(this.scope, `${f}.refreshInterval`, o.refreshInterval ?? EXTERNAL_SECRET_DEFAULTS.refreshInterval, 60);
    } else if (s.kind === 'insecure-literal') {
      knownKeys(this.scope, f, s.values, ['accessKey', 'secretKey', 'secretName']);
      v.credentialLiteral(this.scope, `${f}.accessKey`, s.values?.accessKey, 3);
      v.credentialLiteral(this.scope, `${f}.secretKey`, s.values?.secretKey, 8);
    }
  }
}

/** The parts of an external-secrets.io/v1 ExternalSecret this library sets. */
interface ExternalSecretManifest {
  readonly apiVersion: 'external-secrets.io/v1';
  readonly kind: 'ExternalSecret';
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
  readonly spec: {
    readonly refreshInterval: string;
    readonly secretStoreRef: { readonly kind: 'ClusterSecretStore' | 'SecretStore'; readonly name: string };
    readonly target: { readonly name: string; readonly creationPolicy: 'Owner' };
    readonly data: ReadonlyArray<{ readonly secretKey: string; readonly remoteRef: { readonly key: string; readonly property: string } }>;
  };
}

// The ExternalSecret is a plain ApiObject with the typed manifest above: imports/ has no binding
// for the CRD, and @kubernetes-models/external-secrets is a development dependency that only
// models v1beta1, which External Secrets Operator stopped serving in 0.17. The tests validate the
// emitted object against that package's schema (the v1 and v1beta1 fields used here are the same).
function externalSecret(metadata: ExternalSecretManifest['metadata'], o: ExternalSecretCredentialsOptions, r: ResolvedCredentials): ExternalSecretManifest {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata,
    spec: {
      refreshInterval: goDuration((o.refreshInterval ?? EXTERNAL_SECRET_DEFAULTS.refreshInterval).toSeconds()),
      secretStoreRef: { kind: o.storeKind ?? EXTERNAL_SECRET_DEFAULTS.storeKind, name: o.storeName },
      target: { name: r.secretName, creationPolicy: 'Owner' },
      data: [
        { secretKey: r.accessKey.key, remoteRef: { key: o.remoteKey, property: o.remoteProperties?.accessKey ?? r.accessKey.key } },
        { secretKey: r.secretKey.key, remoteRef: { key: o.remoteKey, property: o.remoteProperties?.secretKey ?? r.secretKey.key } },
      ],
    },
  };
}

/** `1h`, `30m`, `90s`: a Go duration string, as the operator parses it. */
function goDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
