import { Chart } from 'cdk8s';
import { CacheCredentials, fromToml, GitLabRunnerManager, GitLabRunnerManagerProps, MinioCache, RunnerOptions } from '../src';
import { attemptSynth, find, K8sObject, managerStack, synth } from './helpers';

const sts = (objects: K8sObject[]) => find(objects, 'StatefulSet', 'gitlab-runner').spec.template.spec;
const runnerContainer = (objects: K8sObject[]) => sts(objects).containers[0];
const env = (objects: K8sObject[]) => Object.fromEntries(runnerContainer(objects).env.map((e: any) => [e.name, e.value]));
const config = (objects: K8sObject[]) => fromToml(find(objects, 'ConfigMap', 'gitlab-runner').data['config.template.toml']);
const managerPolicy = (objects: K8sObject[]) => find(objects, 'NetworkPolicy', 'gitlab-runner', 'gitlab-runner');
const proxyPolicy = (objects: K8sObject[]) => find(objects, 'NetworkPolicy', 'gitlab-runner-proxy', 'gitlab-runner');

/** A manager with one runner on an in-cluster MinIO cache. */
function withCache(props: Partial<GitLabRunnerManagerProps>, runner: Partial<RunnerOptions> = {}): K8sObject[] {
  return synth((chart) => {
    const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.corp.example', ...props });
    const cache = new MinioCache(chart, 'cache', { rootCredentials: CacheCredentials.fromSecret('minio-root'), cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache') });
    manager.addRunner('default', { token: { secretName: 'runner-token' }, ...runner }).useCache(cache);
  });
}

const DIRECT = '$(KUBERNETES_SERVICE_HOST),kubernetes.default.svc,.svc,.cluster.local,localhost,127.0.0.1';
const MINIO = 'minio.gitlab-runner-cache.svc.cluster.local';

describe('proxy', () => {
  const proxy = { httpsProxy: 'http://proxy.corp.example:3128', httpProxy: 'http://proxy.corp.example:3128', noProxy: ['.corp.example', '10.96.0.0/12'] };

  test('GIVEN a proxy WHEN synthesized THEN the manager gets HTTP(S)_PROXY and NO_PROXY in both cases (snapshot)', () => {
    const objects = withCache({ proxy });
    expect(runnerContainer(objects).env).toMatchSnapshot();
    const e = env(objects);
    for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy']) expect(e[name]).toBe('http://proxy.corp.example:3128');
    expect(e.NO_PROXY).toBe(`${DIRECT},${MINIO},.corp.example,10.96.0.0/12`);
    expect(e.no_proxy).toBe(e.NO_PROXY);
  });

  test('THEN NO_PROXY keeps the API server (its Service IP, filled in by the kubelet, and name), in-cluster Services and the cache direct', () => {
    const noProxy = env(withCache({ proxy: { httpsProxy: 'http://proxy:3128' } })).NO_PROXY.split(',');
    expect(noProxy).toEqual(expect.arrayContaining(['$(KUBERNETES_SERVICE_HOST)', 'kubernetes.default.svc', '.svc', '.cluster.local', MINIO]));
    // The kubelet expands $(VAR) only from variables defined before it or service variables.
    expect(runnerContainer(withCache({ proxy })).env.map((x: any) => x.name)).not.toContain('KUBERNETES_SERVICE_HOST');
  });

  test('THEN a NetworkPolicy of its own (a Helm toggle drops it whole) opens the proxy port to anywhere, or to its CIDR when given', () => {
    const objects = withCache({ proxy: { httpsProxy: 'http://proxy:3128', httpProxy: 'https://proxy:8443' } });
    expect(proxyPolicy(objects).spec).toEqual({
      podSelector: managerPolicy(objects).spec.podSelector,
      policyTypes: ['Egress'],
      egress: [{ ports: [{ protocol: 'TCP', port: 3128 }, { protocol: 'TCP', port: 8443 }] }],
    });
    expect(managerPolicy(objects).spec.egress).toHaveLength(2);
    const narrow = proxyPolicy(withCache({ proxy: { httpsProxy: 'http://proxy', cidr: '10.1.2.3/32' } })).spec.egress;
    expect(narrow).toEqual([{ to: [{ ipBlock: { cidr: '10.1.2.3/32' } }], ports: [{ protocol: 'TCP', port: 80 }] }]);
    const port = proxyPolicy(withCache({ proxy: { httpsProxy: 'http://proxy:8080', port: 8080 } })).spec.egress;
    expect(port).toEqual([{ ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  test('GIVEN a port the URL does not use THEN synth refuses the URL: the egress rule would open another port', () => {
    expect(() => withCache({ proxy: { httpsProxy: 'http://proxy', port: 8080 } })).toThrow('test/manager: invalid proxy.httpsProxy "http://proxy": must use the proxy\'s port (proxy.port 8080), which the egress rule opens; or be empty');
  });

  test('GIVEN no proxy THEN no proxy variable and no extra egress rule', () => {
    const { objects } = managerStack();
    expect(Object.keys(env(objects))).toEqual(['HOME']);
    expect(managerPolicy(objects).spec.egress).toHaveLength(2);
    expect(objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name)).not.toContain('gitlab-runner-proxy');
    expect(config(objects).runners[0].environment).toBeUndefined();
  });

  test('GIVEN passToJobs THEN every runner\'s environment holds the variables, without the kubelet-only API server entry', () => {
    const objects = withCache({ proxy: { ...proxy, passToJobs: true } }, { environment: { LANG: 'C.UTF-8' } });
    expect(config(objects).runners[0].environment).toEqual([
      'LANG=C.UTF-8',
      'HTTP_PROXY=http://proxy.corp.example:3128', 'http_proxy=http://proxy.corp.example:3128',
      'HTTPS_PROXY=http://proxy.corp.example:3128', 'https_proxy=http://proxy.corp.example:3128',
      `NO_PROXY=kubernetes.default.svc,.svc,.cluster.local,localhost,127.0.0.1,${MINIO},.corp.example,10.96.0.0/12`,
      `no_proxy=kubernetes.default.svc,.svc,.cluster.local,localhost,127.0.0.1,${MINIO},.corp.example,10.96.0.0/12`,
    ]);
    expect(config(withCache({ proxy })).runners[0].environment).toBeUndefined();
  });
});

describe('CA bundle', () => {
  test('GIVEN a CA bundle in a ConfigMap WHEN synthesized THEN the manager mounts it and every runner verifies GitLab with it (snapshot)', () => {
    const objects = withCache({ caBundle: { configMapName: 'corp-ca' } });
    const spec = sts(objects);
    expect({ volume: spec.volumes.find((v: any) => v.name === 'ca-bundle'), container: runnerContainer(objects) }).toMatchSnapshot();
    expect(spec.volumes.find((v: any) => v.name === 'ca-bundle')).toEqual({ name: 'ca-bundle', configMap: { name: 'corp-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } });
    expect(runnerContainer(objects).volumeMounts).toContainEqual({ name: 'ca-bundle', mountPath: '/etc/gitlab-runner-ca', readOnly: true });
    expect(config(objects).runners[0]['tls-ca-file']).toBe('/etc/gitlab-runner-ca/ca.crt');
    expect(env(objects).SSL_CERT_DIR).toBe('/etc/ssl/certs:/etc/gitlab-runner-ca');
    // Not in build pods unless asked.
    expect(config(objects).runners[0].kubernetes.volumes).toBeUndefined();
    expect(config(objects).runners[0].environment).toBeUndefined();
  });

  test('GIVEN a Secret and a custom key THEN the manager mounts that key of the Secret as ca.crt, only in the runner container', () => {
    const { objects } = managerStack({ caBundle: { secretName: 'corp-ca', key: 'bundle.pem' } });
    expect(sts(objects).volumes.find((v: any) => v.name === 'ca-bundle')).toEqual({ name: 'ca-bundle', secret: { secretName: 'corp-ca', items: [{ key: 'bundle.pem', path: 'ca.crt' }], defaultMode: 0o444 } });
    expect(sts(objects).initContainers[0].volumeMounts.map((m: any) => m.name)).not.toContain('ca-bundle');
  });

  test('GIVEN trustInBuildPods THEN build pods mount the same-named object and SSL_CERT_DIR names it beside the system certificates', () => {
    const runner = config(withCache({ caBundle: { secretName: 'corp-ca', trustInBuildPods: true } })).runners[0];
    expect(runner.kubernetes.volumes).toEqual({ secret: [{ name: 'corp-ca', mount_path: '/etc/gitlab-runner-ca', read_only: true, items: { 'ca.crt': 'ca.crt' } }] });
    expect(runner.environment).toEqual(['SSL_CERT_DIR=/etc/ssl/certs:/etc/gitlab-runner-ca']);
  });

  test('GIVEN no CA bundle THEN no tls-ca-file, volume or SSL_CERT_DIR', () => {
    const { objects } = managerStack();
    expect(config(objects).runners[0]['tls-ca-file']).toBeUndefined();
    expect(sts(objects).volumes.map((v: any) => v.name)).not.toContain('ca-bundle');
    expect(env(objects).SSL_CERT_DIR).toBeUndefined();
  });
});

describe('proxy and CA bundle: bad input', () => {
  const attempt = (props: Partial<GitLabRunnerManagerProps>, runner: Partial<RunnerOptions> = {}) => attemptSynth((chart: Chart) => {
    new GitLabRunnerManager(chart, 'runner', { gitlabUrl: 'https://gitlab.example.com', ...props }).addRunner('default', { token: { secretName: 't' }, ...runner });
  });
  const P = 'stack/runner';
  test.each<[string, Partial<GitLabRunnerManagerProps>, Partial<RunnerOptions>, string]>([
    ['a proxy with no URL', { proxy: { noProxy: ['.corp'] } }, {},
      `${P}: invalid proxy {"noProxy":[".corp"]}: must set httpsProxy, httpProxy or both, e.g. { httpsProxy: "http://proxy.example.com:3128", httpProxy: "http://proxy.example.com:3128" }`],
    ['a proxy URL without a scheme', { proxy: { httpsProxy: 'proxy.corp:3128' } }, {},
      `${P}: invalid proxy.httpsProxy "proxy.corp:3128": must be a proxy URL "http://host[:port]" or "https://host[:port]", e.g. "http://proxy.example.com:3128"`],
    ['a socks proxy', { proxy: { httpProxy: 'socks5://proxy:1080' } }, {},
      `${P}: invalid proxy.httpProxy "socks5://proxy:1080": must be a proxy URL`],
    ['a proxy URL with credentials', { proxy: { httpsProxy: 'http://user:pw@proxy:3128' } }, {},
      `${P}: invalid proxy.httpsProxy "http://user:pw@proxy:3128": must not contain credentials`],
    ['a proxy URL with a path', { proxy: { httpsProxy: 'http://proxy:3128/x' } }, {},
      `${P}: invalid proxy.httpsProxy "http://proxy:3128/x": must not have a path, query or fragment`],
    ['a proxy on port 0', { proxy: { httpsProxy: 'http://proxy:0' } }, {},
      `${P}: invalid proxy.httpsProxy "http://proxy:0": must not use port 0`],
    ['a NO_PROXY entry with a comma', { proxy: { httpsProxy: 'http://proxy', noProxy: ['a.corp,b.corp'] } }, {},
      `${P}: invalid proxy.noProxy[0] "a.corp,b.corp": must be a host name, a domain suffix`],
    ['a CIDR without a prefix length', { proxy: { httpsProxy: 'http://proxy', cidr: '10.1.2.3' } }, {},
      `${P}: invalid proxy.cidr "10.1.2.3": must be an IPv4 or IPv6 CIDR such as "10.20.0.0/16" or "fd00::/64"`],
    ['a CIDR prefix out of range', { proxy: { httpsProxy: 'http://proxy', cidr: '10.0.0.0/33' } }, {},
      `${P}: invalid proxy.cidr "10.0.0.0/33": must be an IPv4 or IPv6 CIDR`],
    ['a misspelt proxy option', { proxy: { httpsProxy: 'http://proxy', noproxy: ['x'] } as any }, {},
      `${P}: invalid proxy.noproxy ["x"]: is not a proxy option: use httpProxy, httpsProxy, noProxy, passToJobs, cidr, port`],
    ['an empty proxy URL (only a Helm value may be empty)', { proxy: { httpsProxy: '' } }, {},
      `${P}: invalid proxy.httpsProxy "": must be a proxy URL`],
    ['a proxy port out of range', { proxy: { httpsProxy: 'http://proxy', port: 70000 } }, {},
      `${P}: invalid proxy.port 70000: must be an integer from 1 to 65535`],
    ['passToJobs with a runner that sets HTTPS_PROXY itself', { proxy: { httpsProxy: 'http://proxy', passToJobs: true } }, { environment: { HTTPS_PROXY: 'http://other' } },
      `${P}/default: invalid environment.HTTPS_PROXY "http://other": is set by the manager's proxy.passToJobs: set it in one place`],
    ['a CA bundle naming both a Secret and a ConfigMap', { caBundle: { secretName: 'a', configMapName: 'b' } }, {},
      `${P}: invalid caBundle {"secretName":"a","configMapName":"b"}: must name exactly one of secretName and configMapName, e.g. { configMapName: "corp-ca", key: "ca.crt" }`],
    ['a CA bundle naming neither', { caBundle: { key: 'ca.pem' } }, {},
      `${P}: invalid caBundle {"key":"ca.pem"}: must name exactly one of secretName and configMapName`],
    ['a CA bundle with a bad ConfigMap name', { caBundle: { configMapName: 'Corp_CA' } }, {},
      `${P}: invalid caBundle.configMapName "Corp_CA": must be a DNS-1123 subdomain`],
    ['a CA bundle with a bad key', { caBundle: { secretName: 'corp-ca', key: 'ca/crt' } }, {},
      `${P}: invalid caBundle.key "ca/crt": must be a Secret key`],
    ['trustInBuildPods with a runner volume at the same path', { caBundle: { secretName: 'corp-ca', trustInBuildPods: true } },
      { volumes: { emptyDir: [{ name: 'x', mountPath: '/etc/gitlab-runner-ca' }] } } as any,
      `${P}/default: invalid volumes "/etc/gitlab-runner-ca": must not mount at /etc/gitlab-runner-ca: the manager's caBundle.trustInBuildPods mounts the CA bundle there`],
  ])('GIVEN %s WHEN synthesized THEN a clear error and nothing written', (_name, props, runner, message) => {
    const { error, written } = attempt(props, runner);
    expect(error?.message).toContain(message);
    expect(error?.constructor.name).toBe('ConfigError');
    expect(written).toEqual([]);
  });

  test('GIVEN an IPv6 proxy CIDR and an IPv6 proxy host THEN accepted', () => {
    const { objects } = managerStack({ proxy: { httpsProxy: 'http://[fd00::1]:3128', cidr: 'fd00::/64' } });
    expect(proxyPolicy(objects).spec.egress).toEqual([{ to: [{ ipBlock: { cidr: 'fd00::/64' } }], ports: [{ protocol: 'TCP', port: 3128 }] }]);
  });
});
