import { IConstruct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { invalid } from '../common/errors';
import * as v from '../common/validate';
import { knownKeys } from '../common/shape';

/**
 * The Prometheus that scrapes the stack: where its pods run and how they are labelled. The
 * NetworkPolicies of the manager and MinIO admit exactly these pods, on the metrics port only.
 */
export interface MetricsScraper {
  /**
   * Namespace of the Prometheus pods (matched by its `kubernetes.io/metadata.name` label).
   * @default 'monitoring'
   */
  readonly namespace?: string;
  /**
   * Labels the Prometheus pods carry (all must match). prometheus-operator labels them
   * `app.kubernetes.io/name: prometheus` (and `prometheus: <name>` to single one out).
   * @default { 'app.kubernetes.io/name': 'prometheus' }
   */
  readonly podLabels?: Record<string, string>;
}

/** Defaults of {@link MetricsScraper}, in one place. */
export const METRICS_SCRAPER_DEFAULTS = {
  /** Default `namespace`. */
  namespace: 'monitoring',
  /** Default `podLabels`. */
  podLabels: { 'app.kubernetes.io/name': 'prometheus' } as Record<string, string>,
};

/** A validated {@link MetricsScraper}. */
export interface ResolvedMetricsScraper {
  /** The scraper's namespace. */
  readonly namespace: string;
  /** The scraper pods' labels. */
  readonly podLabels: Record<string, string>;
}

/** Validates a {@link MetricsScraper} given as `field` of `scope`. */
export function resolveScraper(scope: IConstruct, field: string, s: MetricsScraper | undefined): ResolvedMetricsScraper {
  if (s !== undefined && (s === null || typeof s !== 'object' || Array.isArray(s))) {
    invalid(scope, field, s, 'must be { namespace?, podLabels? }, e.g. { namespace: "monitoring", podLabels: { "app.kubernetes.io/name": "prometheus" } }');
  }
  knownKeys(scope, field, s, ['namespace', 'podLabels']);
  const podLabels = v.labels(scope, `${field}.podLabels`, s?.podLabels ?? METRICS_SCRAPER_DEFAULTS.podLabels);
  if (Object.keys(podLabels).length === 0) {
    // An empty selector admits every pod of the namespace: name the scraper instead.
    invalid(scope, `${field}.podLabels`, {}, 'must hold at least one label of the Prometheus pods, e.g. { "app.kubernetes.io/name": "prometheus" }');
  }
  return { namespace: v.dnsLabel(scope, `${field}.namespace`, s?.namespace ?? METRICS_SCRAPER_DEFAULTS.namespace), podLabels };
}

/** The NetworkPolicy peer that stands for the scraper's pods: namespace and pod selector together. */
export function scraperPeer(s: ResolvedMetricsScraper): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': s.namespace } },
    podSelector: { matchLabels: { ...s.podLabels } },
  };
}
