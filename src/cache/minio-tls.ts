import { ApiObject, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  Certificate, CertificateSpecIssuerRef, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy, CertificateSpecUsages,
} from '../../imports/cert-manager.io';
import { invalid } from '../common/errors';
import * as v from '../common/validate';
import { knownKeys } from '../common/shape';

/** The issuer a cert-manager Certificate names (`spec.issuerRef`). */
export interface CertManagerIssuerRef {
  /** Name of the Issuer (in the cache's namespace) or ClusterIssuer. */
  readonly name: string;
  /**
   * `Issuer` (namespaced, in the cache's namespace) or `ClusterIssuer`.
   * @default 'Issuer'
   */
  readonly kind?: 'Issuer' | 'ClusterIssuer';
  /**
   * API group of the issuer; another group for an external issuer.
   * @default 'cert-manager.io'
   */
  readonly group?: string;
}

/** Options every {@link MinioTls} takes. */
export interface MinioTlsOptions {
  /**
   * A Secret holding only the CA certificate, under the key `ca.crt`, in each build namespace of
   * a runner wired to the cache: build pods mount it at `/etc/gitlab-runner/certs/ca.crt`, where
   * the runner helper trusts it for cache downloads and uploads. The CA is public: copy it there
   * (never the TLS Secret, which holds MinIO's private key), e.g. with trust-manager or
   * `kubectl create secret generic <name>-ca --from-file=ca.crt`.
   * @default - `<cache name>-ca`
   */
  readonly buildPodCaSecretName?: string;
}

/** Options of {@link MinioTls.fromSecret}. */
export interface MinioTlsFromSecretOptions extends MinioTlsOptions {
  /**
   * The key of the CA certificate (PEM) that signed the server certificate, in the same Secret.
   * MinIO (for its peers), the provisioning Job's mc and the metrics scraper trust it.
   * @default 'ca.crt'
   */
  readonly caKey?: string;
}

/** Options of {@link MinioTls.fromCertManager}. */
export interface MinioTlsFromCertManagerOptions extends MinioTlsOptions {
  /** The Issuer or ClusterIssuer that signs MinIO's certificate; it must put its CA in `ca.crt` (a CA or Vault issuer does). */
  readonly issuerRef: CertManagerIssuerRef;
  /**
   * The Secret cert-manager writes the certificate, key and CA to.
   * @default - `<cache name>-tls`
   */
  readonly secretName?: string;
  /**
   * Lifetime of the certificate: whole hours, at least 2.
   * @default Duration.days(90)
   */
  readonly duration?: Duration;
  /**
   * How long before expiry cert-manager renews it: whole hours, at least 1, less than `duration`.
   * MinIO reloads a renewed certificate without a restart.
   * @default Duration.days(30)
   */
  readonly renewBefore?: Duration;
}

/** Defaults of the {@link MinioTls} options, in one place. */
export const MINIO_TLS_DEFAULTS = {
  /** Default `caKey`. */
  caKey: 'ca.crt',
  /** Default `issuerRef.kind`. */
  issuerKind: 'Issuer' as const,
  /** Default `issuerRef.group`. */
  issuerGroup: 'cert-manager.io',
  /** Default `duration`. */
  duration: Duration.days(90),
  /** Default `renewBefore`. */
  renewBefore: Duration.days(30),
};

/** Where build pods find the cache's CA: a Secret of the build namespace, mounted into the helper. */
export const BUILD_POD_CA_DIR = '/etc/gitlab-runner/certs';
/** The file name in {@link BUILD_POD_CA_DIR} the runner helper installs as a trusted CA. */
export const BUILD_POD_CA_FILE = 'ca.crt';

/** What the MinIO cache needs to serve HTTPS. */
export interface MinioTlsConfig {
  /** The kubernetes.io/tls Secret (keys `tls.crt`, `tls.key`) in the cache's namespace. */
  readonly secretName: string;
  /** The key of the CA certificate in that Secret. */
  readonly caKey: string;
  /** The Secret holding `ca.crt` in each build namespace (see {@link MinioTlsOptions.buildPodCaSecretName}). */
  readonly buildPodCaSecretName: string;
  /**
   * The cert-manager Certificate (cert-manager.io/v1), when cert-manager issues the certificate.
   * @default - none: an existing Secret
   */
  readonly certificate?: ApiObject;
}

/** What a {@link MinioTls} is bound to: the cache's names and the DNS names its certificate must cover. */
export interface MinioTlsBindOptions {
  /** The cache's resource name. */
  readonly name: string;
  /** The cache's namespace. */
  readonly namespace: string;
  /** Labels of the cache's objects. */
  readonly labels: Record<string, string>;
  /** DNS names clients and peers reach MinIO by. */
  readonly dnsNames: string[];
}

/**
 * The certificate MinIO serves HTTPS with: an existing kubernetes.io/tls Secret
 * ({@link MinioTls.fromSecret}) or one cert-manager issues ({@link MinioTls.fromCertManager}).
 *
 * The certificate must cover the cache's Service name
 * (`<name>.<namespace>.svc.<clusterDomain>`) and, in distributed mode, its pods
 * (`*.<name>-hl.<namespace>.svc.<clusterDomain>`); cert-manager's is issued for exactly those.
 */
export abstract class MinioTls {
  /** A kubernetes.io/tls Secret in the cache's namespace, with the CA under `caKey` (e.g. one cert-manager wrote). */
  public static fromSecret(secretName: string, options: MinioTlsFromSecretOptions = {}): MinioTls {
    return new SecretTls(secretName, options);
  }

  /** A cert-manager Certificate for the cache's names, signed by `issuerRef`. */
  public static fromCertManager(options: MinioTlsFromCertManagerOptions): MinioTls {
    return new CertManagerTls(options);
  }

  /** @internal */
  public abstract bind(scope: Construct, field: string, o: MinioTlsBindOptions): MinioTlsConfig;
}

function buildPodCaSecret(scope: IConstruct, field: string, o: MinioTlsOptions, name: string): string {
  return v.dnsSubdomain(scope, `${field}.buildPodCaSecretName`, o.buildPodCaSecretName ?? `${name}-ca`);
}

class SecretTls extends MinioTls {
  constructor(private readonly secretName: string, private readonly options: MinioTlsFromSecretOptions) {
    super();
  }

  public bind(scope: Construct, field: string, o: MinioTlsBindOptions): MinioTlsConfig {
    if (this.options === null || typeof this.options !== 'object') invalid(scope, field, this.options, 'MinioTls.fromSecret(secretName, options): options must be an object');
    knownKeys(scope, `${field} options`, this.options, ['caKey', 'buildPodCaSecretName']);
    return {
      secretName: v.dnsSubdomain(scope, `${field}.secretName`, this.secretName),
      caKey: v.secretKey(scope, `${field}.caKey`, this.options.caKey ?? MINIO_TLS_DEFAULTS.caKey),
      buildPodCaSecretName: buildPodCaSecret(scope, field, this.options, o.name),
    };
  }
}

class CertManagerTls extends MinioTls {
  constructor(private readonly options: MinioTlsFromCertManagerOptions) {
    super();
  }

  public bind(scope: Construct, field: string, o: MinioTlsBindOptions): MinioTlsConfig {
    const p = this.options;
    if (p === null || typeof p !== 'object' || p.issuerRef === null || typeof p.issuerRef !== 'object') {
      invalid(scope, `${field}.issuerRef`, p?.issuerRef, 'must name the Issuer or ClusterIssuer that signs MinIO\'s certificate, e.g. { name: "ca-issuer", kind: "ClusterIssuer" }');
    }
    knownKeys(scope, field, p, ['issuerRef', 'secretName', 'duration', 'renewBefore', 'buildPodCaSecretName']);
    knownKeys(scope, `${field}.issuerRef`, p.issuerRef, ['name', 'kind', 'group']);
    const issuerRef: CertificateSpecIssuerRef = {
      name: v.dnsSubdomain(scope, `${field}.issuerRef.name`, p.issuerRef.name),
      kind: v.oneOf(scope, `${field}.issuerRef.kind`, p.issuerRef.kind ?? MINIO_TLS_DEFAULTS.issuerKind, ['Issuer', 'ClusterIssuer']),
      group: v.dnsSubdomain(scope, `${field}.issuerRef.group`, p.issuerRef.group ?? MINIO_TLS_DEFAULTS.issuerGroup),
    };
    const duration = wholeHours(scope, `${field}.duration`, p.duration ?? MINIO_TLS_DEFAULTS.duration, 2);
    const renewBefore = wholeHours(scope, `${field}.renewBefore`, p.renewBefore ?? MINIO_TLS_DEFAULTS.renewBefore, 1);
    if (renewBefore >= duration) {
      invalid(scope, `${field}.renewBefore`, `${renewBefore}h`, `must be shorter than duration (${duration}h): cert-manager would renew the certificate all the time`);
    }
    const secretName = v.dnsSubdomain(scope, `${field}.secretName`, p.secretName ?? `${o.name}-tls`);
    const certificate = new Certificate(scope, 'Certificate', {
      metadata: { name: o.name, namespace: o.namespace, labels: o.labels },
      spec: {
        secretName,
        // The first name is the one clients use (the Service); the rest are peers.
        commonName: o.dnsNames[0],
        dnsNames: o.dnsNames,
        duration: `${duration}h`,
        renewBefore: `${renewBefore}h`,
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
        // Client auth too: distributed MinIO's pods connect to each other with it.
        usages: [CertificateSpecUsages.SERVER_AUTH, CertificateSpecUsages.CLIENT_AUTH, CertificateSpecUsages.DIGITAL_SIGNATURE],
        issuerRef,
        secretTemplate: { labels: o.labels },
      },
    });
    return { secretName, caKey: MINIO_TLS_DEFAULTS.caKey, buildPodCaSecretName: buildPodCaSecret(scope, field, p, o.name), certificate };
  }
}

function wholeHours(scope: IConstruct, field: string, value: Duration, min: number): number {
  if (!(value instanceof Duration)) invalid(scope, field, value, 'must be a Duration, e.g. Duration.days(90)');
  const hours = value.toHours({ integral: false });
  if (!Number.isInteger(hours) || hours < min) invalid(scope, field, `${hours}h`, `must be whole hours, at least ${min}`);
  return hours;
}
