import { Values } from '../common/values';
import type { ProxyOptions } from './proxy';

/**
 * The manager's {@link ProxyOptions} bound to `manager.proxy.*` values, for a chart. The URLs,
 * the extra NO_PROXY list and the CIDR default to empty: with no URL set the chart holds no proxy
 * variable and no proxy egress rule, so setting `manager.proxy.httpsProxy` is all a Helm user
 * does (and `port`, when the proxy does not listen on 3128).
 */
export function proxyValues(values: Values): ProxyOptions {
  const at = (p: string) => `manager.proxy.${p}`;
  return {
    httpsProxy: values.string(at('httpsProxy'), { default: '', description: 'Proxy GitLab is reached through (HTTPS_PROXY), e.g. http://proxy.example.com:3128; empty: direct' }),
    httpProxy: values.string(at('httpProxy'), { default: '', description: 'Proxy for http:// requests (HTTP_PROXY); empty: direct' }),
    noProxy: [values.string(at('noProxy'), { default: '', description: 'More destinations reached directly, comma-separated (NO_PROXY, after the API server, .svc, .cluster.local, localhost and the cache host)' })],
    port: values.number(at('port'), { default: 3128, description: 'TCP port of the proxy, which the proxy URLs must use; the <namePrefix>-proxy NetworkPolicy opens it while a proxy URL is set' }),
    passToJobs: values.boolean(at('passToJobs'), { default: false, description: 'Pass the proxy variables to jobs too (every runner\'s environment: build, helper and service containers)' }),
    cidr: values.string(at('cidr'), { default: '', description: 'Addresses of the proxy (CIDR) the <namePrefix>-proxy NetworkPolicy opens its port to; empty: any address' }),
  };
}
