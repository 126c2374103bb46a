import { IConstruct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { invalid } from '../common/errors';
import * as v from '../common/validate';
import { concrete } from '../helm/values';

/**
 * An HTTP(S) forward proxy the runner manager (and optionally its jobs) reaches the outside
 * through: `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY`, in both cases (Go reads the upper, curl
 * and others the lower).
 */
export interface ProxyOptions {
  /**
   * Proxy for `http://` requests (`HTTP_PROXY`), e.g. `http://proxy.example.com:3128`.
   * @default - none: plain http goes direct
   */
  readonly httpProxy?: string;
  /**
   * Proxy for `https://` requests (`HTTPS_PROXY`): the one GitLab is reached through. Mostly
   * the same URL as `httpProxy` (the scheme is how the runner talks to the proxy, not to GitLab).
   * @default - none: https goes direct
   */
  readonly httpsProxy?: string;
  /**
   * More destinations to reach directly (`NO_PROXY`): host names, domain suffixes (`.corp`),
   * IP addresses, CIDRs. Always added: the API server (`$(KUBERNETES_SERVICE_HOST)`,
   * `kubernetes.default.svc`), `.svc`, `.cluster.local`, `localhost`, `127.0.0.1` and the
   * host of each runner's S3 cache endpoint. Add your cluster's service and pod CIDRs when
   * anything is addressed by IP.
   * @default - only those
   */
  readonly noProxy?: string[];
  /**
   * Set the same variables in every job (`[[runners]] environment`: build, helper and service
   * containers). NO_PROXY for jobs lacks `$(KUBERNETES_SERVICE_HOST)`, which only the kubelet
   * expands: list the service CIDR in `noProxy` if jobs call the API server by IP.
   * @default false
   */
  readonly passToJobs?: boolean;
  /**
   * The proxy's addresses, as a CIDR (e.g. `10.20.30.40/32`). The manager's NetworkPolicy then
   * opens the proxy's ports to that block only.
   * @default - the proxy's ports to any address
   */
  readonly cidr?: string;
}

/** {@link ProxyOptions}, checked. */
export interface ResolvedProxy {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  readonly noProxy: readonly string[];
  readonly passToJobs: boolean;
  readonly cidr?: string;
  /** TCP ports of the proxy URLs, sorted. */
  readonly ports: readonly number[];
}

/** Direct destinations every manager keeps: the API server and in-cluster Services. */
const ALWAYS_DIRECT = ['kubernetes.default.svc', '.svc', '.cluster.local', 'localhost', '127.0.0.1'];
/** The API server's Service IP, which the kubelet fills in (the runner's client dials this IP). */
const API_SERVER_IP = '$(KUBERNETES_SERVICE_HOST)';
const NO_PROXY_ENTRY = /^[A-Za-z0-9*.:\-[\]/]+$/;

/** Checks `proxy` (the manager's `proxy` prop); undefined when unset. */
export function resolveProxy(scope: IConstruct, proxy: ProxyOptions | undefined): ResolvedProxy | undefined {
  if (proxy === undefined) return undefined;
  const example = 'e.g. { httpsProxy: "http://proxy.example.com:3128", httpProxy: "http://proxy.example.com:3128" }';
  if (proxy === null || typeof proxy !== 'object' || Array.isArray(proxy)) invalid(scope, 'proxy', proxy, `must be an object, ${example}`);
  const known = ['httpProxy', 'httpsProxy', 'noProxy', 'passToJobs', 'cidr'];
  for (const key of Object.keys(proxy)) {
    if (!known.includes(key)) invalid(scope, `proxy.${key}`, (proxy as any)[key], `is not a proxy option: use ${known.join(', ')}`);
  }
  if (proxy.httpProxy === undefined && proxy.httpsProxy === undefined) {
    invalid(scope, 'proxy', proxy, `must set httpsProxy, httpProxy or both, ${example}`);
  }
  const httpProxy = proxy.httpProxy === undefined ? undefined : v.proxyUrl(scope, 'proxy.httpProxy', proxy.httpProxy);
  const httpsProxy = proxy.httpsProxy === undefined ? undefined : v.proxyUrl(scope, 'proxy.httpsProxy', proxy.httpsProxy);
  if (proxy.noProxy !== undefined && !Array.isArray(proxy.noProxy)) invalid(scope, 'proxy.noProxy', proxy.noProxy, 'must be a list of host names, domain suffixes, IP addresses or CIDRs');
  (proxy.noProxy ?? []).forEach((entry, i) => {
    if (typeof entry !== 'string' || !NO_PROXY_ENTRY.test(entry)) {
      invalid(scope, `proxy.noProxy[${i}]`, entry, 'must be a host name, a domain suffix (".corp.example.com"), an IP address or a CIDR: letters, digits and ".-:*[]/", no commas or spaces');
    }
  });
  const passToJobs = v.boolean(scope, 'proxy.passToJobs', proxy.passToJobs ?? false);
  const cidr = proxy.cidr === undefined ? undefined : v.cidr(scope, 'proxy.cidr', proxy.cidr);
  const ports = [...new Set([httpProxy, httpsProxy].filter((u): u is string => u !== undefined).map((u) => v.urlPort(concrete(u))))].sort((a, b) => a - b);
  return { httpProxy, httpsProxy, noProxy: proxy.noProxy ?? [], passToJobs, cidr, ports };
}

/** The NO_PROXY list: the built-in direct destinations, the cache hosts, then the user's. */
export function noProxyList(proxy: ResolvedProxy, cacheHosts: readonly string[], forJobs: boolean): string {
  const entries = [...(forJobs ? [] : [API_SERVER_IP]), ...ALWAYS_DIRECT, ...cacheHosts, ...proxy.noProxy];
  return [...new Set(entries)].join(',');
}

/** `NAME=value` pairs of the proxy variables, both cases. */
export function proxyVariables(proxy: ResolvedProxy, cacheHosts: readonly string[], forJobs: boolean): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const both = (name: string, value: string) => out.push([name, value], [name.toLowerCase(), value]);
  if (proxy.httpProxy !== undefined) both('HTTP_PROXY', proxy.httpProxy);
  if (proxy.httpsProxy !== undefined) both('HTTPS_PROXY', proxy.httpsProxy);
  both('NO_PROXY', noProxyList(proxy, cacheHosts, forJobs));
  return out;
}

/** The manager container's proxy env. */
export function proxyEnv(proxy: ResolvedProxy | undefined, cacheHosts: readonly string[]): k8s.EnvVar[] {
  return proxy ? proxyVariables(proxy, cacheHosts, false).map(([name, value]) => ({ name, value })) : [];
}

/** Egress rules of the manager's NetworkPolicy for the proxy: its ports, to its CIDR if known. */
export function proxyEgress(proxy: ResolvedProxy | undefined): k8s.NetworkPolicyEgressRule[] {
  if (!proxy) return [];
  return [{
    ...(proxy.cidr ? { to: [{ ipBlock: { cidr: proxy.cidr } }] } : {}),
    ports: proxy.ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
  }];
}

/** The host of an S3 `ServerAddress` (`host[:port]`), for NO_PROXY. */
export function serverHost(serverAddress: string): string {
  return serverAddress.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
}
