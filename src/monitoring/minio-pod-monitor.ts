import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsScheme } from '../../imports/podmonitors-monitoring.coreos.com';
import { MinioCache } from '../cache/minio-cache';
import { invalid } from '../common/errors';
import { readable } from '../common/shape';
import { ResolvedSecretKey, resolveSecretKey, SecretKeyReference } from '../common/secret-ref';
import * as v from '../common/validate';
import { scrapeInterval } from './manager-pod-monitor';

/** Props of a {@link MinioPodMonitor}. */
export interface MinioPodMonitorProps {
  /** The MinIO cache to scrape. */
  readonly cache: MinioCache;
  /**
   * The bearer token Prometheus presents, a Secret in the cache's namespace. MinIO's metrics
   * need one by default (`MINIO_PROMETHEUS_AUTH_TYPE=jwt`); make it with
   * `mc admin prometheus generate <alias>` (a JWT signed with the alias's keys) and store it:
   * `kubectl -n <cache namespace> create secret generic <name>-prometheus --from-literal=token=<bearer_token>`.
   * @default - `{ secretName: '<cache name>-prometheus', key: 'token' }`
   */
  readonly bearerToken?: SecretKeyReference;
  /**
   * Labels on the PodMonitor, so your Prometheus selects it.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * How often Prometheus scrapes: whole seconds, 5 to 300.
   * @default Duration.seconds(30)
   */
  readonly interval?: Duration;
}

/** MinIO's cluster-wide Prometheus endpoint (capacity, nodes, drives), on the S3 port. */
export const MINIO_METRICS_PATH = '/minio/v2/metrics/cluster';

/**
 * A prometheus-operator PodMonitor for MinIO's cluster metrics (`/minio/v2/metrics/cluster` on
 * port 9000), in the cache's namespace, authenticated with a bearer token from a Secret; over
 * HTTPS with the cache's CA when MinIO serves TLS.
 *
 * Why a token rather than `MINIO_PROMETHEUS_AUTH_TYPE=public`: the metrics share port 9000 with
 * the S3 API, which build pods (running any job's code) must reach, so no NetworkPolicy can keep
 * public metrics to Prometheus alone.
 */
export class MinioPodMonitor extends Construct {
  /** The PodMonitor (monitoring.coreos.com/v1). */
  public readonly podMonitor: ApiObject;
  /** The `job` label Prometheus gives the scraped series. */
  public readonly job: string;
  /** The bearer token Secret key. */
  public readonly bearerToken: ResolvedSecretKey;

  constructor(scope: Construct, id: string, props: MinioPodMonitorProps) {
    super(scope, id);
    readable(this, props);
    if (props === null || typeof props !== 'object' || !(props.cache instanceof MinioCache)) {
      invalid(this, 'cache', props?.cache, 'must be the MinioCache to scrape');
    }
    const c = props.cache;
    const labels = v.labels(this, 'labels', props.labels);
    const interval = scrapeInterval(this, 'interval', props.interval);
    this.bearerToken = resolveSecretKey(this, 'bearerToken', props.bearerToken ?? { secretName: `${c.name}-prometheus` }, 'token');
    this.job = `${c.namespace}/${c.name}`;
    const tls = c.tls;
    this.podMonitor = new PodMonitor(this, 'PodMonitor', {
      metadata: { name: c.name, namespace: c.namespace, labels: { ...c.labels, ...labels } },
      spec: {
        selector: { matchLabels: c.podSelector },
        podMetricsEndpoints: [{
          port: 's3',
          path: MINIO_METRICS_PATH,
          interval,
          authorization: { type: 'Bearer', credentials: { name: this.bearerToken.secretName, key: this.bearerToken.key } },
          ...(tls ? {
            scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTPS,
            // Pods are scraped by IP: verify the certificate against the name clients use.
            tlsConfig: { ca: { secret: { name: tls.secretName, key: tls.caKey } }, serverName: c.serverAddress.replace(/:\d+$/, '') },
          } : {}),
        }],
      },
    });
  }
}
