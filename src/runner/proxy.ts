import { IConstruct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { invalid } from '../common/errors';
import * as v from '../common/validate';
import { PREDICATES, requireRule } from '../common/rules';
import { concrete, valueOf, whileSet } from '../common/values';

/**
 * An HTTP(S) forward proxy the runner manager (and optionally its jobs) reaches the outside
 * through: `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY`, in both cases (Go reads the upper, curl
 * and others the lower).
 */
export interface ProxyOptions {
  /**
   * Proxy for `http://` requests (`HTTP_PROXY`), e.g. `http://proxy.example.com:3128`. A Helm
   * value may be empty (`""`): that scheme then goes direct, as with no value.
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
   * anything is addressed by IP. An entry that is a Helm value holds a comma-separated list, and
   * may be empty.
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
   * The proxy's addresses, as a CIDR (e.g. `10.20.30.40/32`). The proxy's NetworkPolicy then
   * opens the proxy's ports to that block only.
   * @default - the proxy's ports to any address
   */
  readonly cidr?: string;
  /**
   * The proxy's TCP port, the one the egress rule opens; each URL must use it. Needed when a URL
   * is a Helm value, whose port is not known at synth (the chart sets both from values).
   * @default - the ports of httpProxy and httpsProxy
   */
  readonly port?: number;
}

/** {@link ProxyOptions}, checked. */
export interface ResolvedProxy {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  readonly noProxy: readonly string[];
  readonly passToJobs: boolean;
  readonly cidr?: string;
  /** TCP ports of the proxy URLs (or `port`), sorted; empty while the URLs are empty Helm values. */
  readonly ports: readonly number[];
}

/** Direct destinations every manager keeps: the API server and in-cluster Services. */
const ALWAYS_DIRECT = ['kubernetes.default.svc', '.svc', '.cluster.local', 'localhost', '127.0.0.1'];
/** The API server's Service IP, which the kubelet fills in (the runner's client dials this IP). */
const API_SERVER_IP = '$(KUBERNETES_SERVICE_HOST)';
const NO_PROXY_ENTRY = /^[A-Za-z0-9*.:\-[\]/]+$/;
// A Helm value entry of `noProxy`: a comma-separated list of entries, or nothing (Go skips the
// empty item a trailing comma leaves in NO_PROXY).
const NO_PROXY_LIST = '^([A-Za-z0-9*.:\\-\\[\\]/]+(,[A-Za-z0-9*.:\\-\\[\\]/]+)*)?$';

/** Checks `proxy` (the manager's `proxy` prop); undefined when unset. */
export function resolveProxy(scope: IConstruct, proxy: ProxyOptions | undefined): ResolvedProxy | undefined {
  if (proxy === undefined) return undefined;
  const example = 'e.g. { httpsProxy: "http://proxy.example.com:3128", httpProxy: "http://proxy.example.com:3128" }';
  if (proxy === null || typeof proxy !== 'object' || Array.isArray(proxy)) invalid(scope, 'proxy', proxy, `must be an object, ${example}`);
  const known = ['httpProxy', 'httpsProxy', 'noProxy', 'passToJobs', 'cidr', 'port'];
  for (const key of Object.keys(proxy)) {
    if (!known.includes(key)) invalid(scope, `proxy.${key}`, (proxy as any)[key], `is not a proxy option: use ${known.join(', ')}`);
  }
  if (proxy.httpProxy === undefined && proxy.httpsProxy === undefined) {
    invalid(scope, 'proxy', proxy, `must set httpsProxy, httpProxy or both, ${example}`);
  }
  // A Helm value may be left empty: Go (golang.org/x/net/http/httpproxy) and curl take an empty
  // HTTP(S)_PROXY as none, and the chart leaves the variable out.
  const url = (field: 'httpProxy' | 'httpsProxy') => {
    const value = proxy[field];
    return value === undefined ? undefined : v.emptyOr(scope, value, v.PROXY_URL_SHAPE, (c) => v.proxyUrl(scope, `proxy.${field}`, c));
  };
  const httpProxy = url('httpProxy');
  const httpsProxy = url('httpsProxy');
  if (proxy.noProxy !== undefined && !Array.isArray(proxy.noProxy)) invalid(scope, 'proxy.noProxy', proxy.noProxy, 'must be a list of host names, domain suffixes, IP addresses or CIDRs');
  (proxy.noProxy ?? []).forEach((entry, i) => {
    if (valueOf(entry) !== undefined) {
      if (!new RegExp(NO_PROXY_LIST).test(v.pattern(scope, `proxy.noProxy[${i}]`, entry, { pattern: NO_PROXY_LIST }))) {
        invalid(scope, `proxy.noProxy[${i}]`, concrete(entry), 'must be a comma-separated list of host names, domain suffixes, IP addresses or CIDRs, or empty: no spaces');
      }
      return;
    }
    if (typeof entry !== 'string' || !NO_PROXY_ENTRY.test(entry)) {
      invalid(scope, `proxy.noProxy[${i}]`, entry, 'must be a host name, a domain suffix (".corp.example.com"), an IP address or a CIDR: letters, digits and ".-:*[]/", no commas or spaces');
    }
  });
  const passToJobs = v.boolean(scope, 'proxy.passToJobs', proxy.passToJobs ?? false);
  const cidr = proxy.cidr === undefined ? undefined : v.emptyOr(scope, proxy.cidr, v.CIDR_SHAPE, (c) => v.cidr(scope, 'proxy.cidr', c));
  const urls = [['proxy.httpProxy', httpProxy], ['proxy.httpsProxy', httpsProxy]].filter((u): u is [string, string] => u[1] !== undefined);
  if (proxy.port === undefined && urls.some(([, u]) => valueOf(u) !== undefined)) {
    // The default's port would be opened whatever URL the Helm user sets.
    invalid(scope, 'proxy.port', proxy.port, 'must be set when httpProxy or httpsProxy is a Helm value: the egress rule needs the proxy\'s port, which a Helm value\'s URL does not give at synth');
  }
  if (proxy.port === undefined) {
    const ports = [...new Set(urls.filter(([, u]) => concrete(u) !== '').map(([, u]) => v.urlPort(concrete(u))))].sort((a, b) => a - b);
    return { httpProxy, httpsProxy, noProxy: proxy.noProxy ?? [], passToJobs, cidr, ports };
  }
  const port = v.integer(scope, 'proxy.port', proxy.port, 1, 65535);
  // One port opened: each URL must use it (the chart checks a value the user sets, too).
  for (const [field, value] of urls) {
    requireRule(scope, {
      predicate: PREDICATES.urlPortIs,
      operands: [{ field, value }, { field: 'proxy.port', value: port }],
      allowed: [(p) => `must use the proxy's port (${p}), which the egress rule opens; or be empty`, (u) => `must be the port of ${u}, which the egress rule opens`],
    });
  }
  return { httpProxy, httpsProxy, noProxy: proxy.noProxy ?? [], passToJobs, cidr, ports: [port] };
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

/**
 * A proxy variable for jobs (`NAME=value` of a runner's `environment`), there while
 * `passToJobs` and the variable's URL are set: unconditional unless they are Helm values.
 */
export function proxyJobVariable(proxy: ResolvedProxy, name: string, value: string): string {
  const urlOf: Record<string, unknown[]> = { HTTP_PROXY: [proxy.httpProxy], HTTPS_PROXY: [proxy.httpsProxy], NO_PROXY: [proxy.httpProxy, proxy.httpsProxy] };
  return whileSet([proxy.passToJobs], whileSet(urlOf[name.toUpperCase()], `${name}=${value}`));
}

/** The manager container's proxy env. */
export function proxyEnv(proxy: ResolvedProxy | undefined, cacheHosts: readonly string[]): k8s.EnvVar[] {
  if (!proxy) return [];
  // A URL that is a Helm value may be empty: its variables (and NO_PROXY, with no URL set) are
  // then left out, rather than set empty.
  const urlOf: Record<string, unknown[]> = { HTTP_PROXY: [proxy.httpProxy], HTTPS_PROXY: [proxy.httpsProxy], NO_PROXY: [proxy.httpProxy, proxy.httpsProxy] };
  return proxyVariables(proxy, cacheHosts, false).map(([name, value]) => ({ name: whileSet(urlOf[name.toUpperCase()], name), value }));
}

/**
 * Egress rules for the proxy: its ports, to its CIDR if known. None without ports: a rule with no
 * ports would open every port.
 */
export function proxyEgress(proxy: ResolvedProxy | undefined): k8s.NetworkPolicyEgressRule[] {
  if (!proxy || proxy.ports.length === 0) return [];
  return [{
    // A CIDR that is a Helm value may be empty: its peer is then left out (an empty `to`: any address).
    ...(proxy.cidr ? { to: [{ ipBlock: { cidr: whileSet([proxy.cidr], proxy.cidr) } }] } : {}),
    ports: proxy.ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
  }];
}

/** The host of an S3 `ServerAddress` (`host[:port]`), for NO_PROXY. */
export function serverHost(serverAddress: string): string {
  return serverAddress.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
}
