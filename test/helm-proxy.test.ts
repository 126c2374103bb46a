import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { fromToml, GitLabRunnerManager, Values } from '../src';
import { helm as writeReferenceChart, ReferenceStack } from '../src/main';
import { helmTemplate } from './helm';
import { attemptSynth, find, K8sObject, tmpdir } from './helpers';
import { validateObject } from './schema';

const key = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const manager = (objects: K8sObject[]) => find(objects, 'StatefulSet', 'gitlab-runner').spec.template.spec;
const managerEnv = (objects: K8sObject[]) => Object.fromEntries(manager(objects).containers[0].env.map((e: any) => [e.name, e.value]));
const configToml = (objects: K8sObject[]) => find(objects, 'ConfigMap', 'gitlab-runner', 'gitlab-runner').data['config.template.toml'] as string;
const BUILT_IN = '$(KUBERNETES_SERVICE_HOST),kubernetes.default.svc,.svc,.cluster.local,localhost,127.0.0.1,minio.gitlab-runner-cache.svc.cluster.local';

describe('GIVEN the reference chart', () => {
  const chart = tmpdir();
  beforeAll(() => writeReferenceChart(chart));
  const render = (values: object) => {
    const file = path.join(tmpdir(), 'values.yaml');
    fs.writeFileSync(file, stringify(values));
    return helmTemplate(chart, '-f', file);
  };

  describe('WHEN the proxy and CA values are left at their defaults', () => {
    let objects: K8sObject[];
    beforeAll(() => { objects = render({}); });

    test('THEN the manager has no proxy variable, no CA and no proxy NetworkPolicy: the same objects as the plain synth', () => {
      expect(Object.keys(managerEnv(objects))).toEqual(['HOME']);
      expect(manager(objects).volumes.map((v: any) => v.name)).not.toContain('ca-bundle');
      expect(configToml(objects)).not.toContain('tls-ca-file');
      expect(objects.map(key)).not.toContain('NetworkPolicy gitlab-runner/gitlab-runner-proxy');
      const plain = Testing.synth(new ReferenceStack(Testing.app(), 'gitlab-runner', { monitoring: false })) as K8sObject[];
      expect(objects.map(key).sort()).toEqual(plain.map(key).sort());
    });
  });

  describe('WHEN manager.proxy.httpsProxy is set (and the port it uses)', () => {
    const proxy = { httpsProxy: 'http://proxy.corp:8080', noProxy: '.corp,10.0.0.0/8', port: 8080 };
    let objects: K8sObject[];
    beforeAll(() => { objects = render({ manager: { proxy } }); });

    test('THEN the manager reaches GitLab through it, the built-in direct list kept before the user\'s; HTTP_PROXY stays unset', () => {
      const env = managerEnv(objects);
      expect([env.HTTPS_PROXY, env.https_proxy]).toEqual(Array(2).fill('http://proxy.corp:8080'));
      expect([env.NO_PROXY, env.no_proxy]).toEqual(Array(2).fill(`${BUILT_IN},.corp,10.0.0.0/8`));
      expect(Object.keys(env)).not.toContain('HTTP_PROXY');
    });

    test('THEN a NetworkPolicy of its own opens the proxy port to any address; the manager\'s own policy is unchanged', () => {
      expect(find(objects, 'NetworkPolicy', 'gitlab-runner-proxy', 'gitlab-runner').spec.egress).toEqual([{ ports: [{ protocol: 'TCP', port: 8080 }] }]);
      expect(find(objects, 'NetworkPolicy', 'gitlab-runner', 'gitlab-runner').spec.egress).toHaveLength(2);
      for (const o of objects) expect(() => validateObject(o)).not.toThrow();
    });

    test('THEN jobs get no proxy variable until manager.proxy.passToJobs is on; then every runner\'s environment holds them after its own', () => {
      const runners = (objects: K8sObject[]) => fromToml(configToml(objects)).runners;
      expect(runners(objects).map((r: any) => r.environment)).toEqual([undefined, ['DOCKER_HOST=tcp://docker:2376', 'DOCKER_TLS_CERTDIR=/certs', 'DOCKER_TLS_VERIFY=1', 'DOCKER_CERT_PATH=/certs/client']]);
      const passed = runners(render({ manager: { proxy: { ...proxy, passToJobs: true } } }));
      const forJobs = ['HTTPS_PROXY=http://proxy.corp:8080', 'https_proxy=http://proxy.corp:8080', `NO_PROXY=${BUILT_IN.replace('$(KUBERNETES_SERVICE_HOST),', '')},.corp,10.0.0.0/8`, `no_proxy=${BUILT_IN.replace('$(KUBERNETES_SERVICE_HOST),', '')},.corp,10.0.0.0/8`];
      expect(passed[0].environment).toEqual(forJobs);
      expect(passed[1].environment!.slice(4)).toEqual(forJobs);
      // passToJobs with no proxy URL passes nothing
      expect(runners(render({ manager: { proxy: { passToJobs: true } } }))[0].environment).toBeUndefined();
    });

    test('THEN with manager.proxy.cidr the rule opens the port to that block only', () => {
      const narrow = render({ manager: { proxy: { ...proxy, cidr: '10.20.30.40/32' } } });
      expect(find(narrow, 'NetworkPolicy', 'gitlab-runner-proxy', 'gitlab-runner').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.20.30.40/32' } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    });
  });

  describe('WHEN manager.caBundle.secretName names a Secret', () => {
    let objects: K8sObject[];
    beforeAll(() => { objects = render({ manager: { caBundle: { secretName: 'corp-ca', key: 'bundle.pem' } } }); });

    test('THEN the manager mounts it, every runner verifies GitLab with it (tls-ca-file), and Go clients trust it (SSL_CERT_DIR)', () => {
      const spec = manager(objects);
      expect(spec.volumes).toContainEqual({ name: 'ca-bundle', secret: { secretName: 'corp-ca', items: [{ key: 'bundle.pem', path: 'ca.crt' }], defaultMode: 0o444 } });
      expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'ca-bundle', mountPath: '/etc/gitlab-runner-ca', readOnly: true });
      expect(managerEnv(objects).SSL_CERT_DIR).toBe('/etc/ssl/certs:/etc/gitlab-runner-ca');
      expect(configToml(objects).match(/^tls-ca-file = "\/etc\/gitlab-runner-ca\/ca.crt"$/gm)).toHaveLength(2);
    });
  });

  test.each([
    [{ proxy: { httpsProxy: 'proxy.corp:3128' } }, /manager\.proxy\.httpsProxy|\/manager\/proxy\/httpsProxy/],
    [{ proxy: { httpProxy: 'http://user:pw@proxy:3128' } }, /manager\.proxy\.httpProxy|\/manager\/proxy\/httpProxy/],
    [{ proxy: { noProxy: '.corp, .example.com' } }, /manager\.proxy\.noProxy|\/manager\/proxy\/noProxy/],
    [{ proxy: { cidr: '10.0.0.1' } }, /manager\.proxy\.cidr|\/manager\/proxy\/cidr/],
    [{ proxy: { port: 0 } }, /manager\.proxy\.port|\/manager\/proxy\/port/],
    [{ proxy: { httpsProxy: 'http://proxy.corp:8080' } }, /gitlab-runner\/manager: invalid proxy\.httpsProxy "http:\/\/proxy\.corp:8080" \(Helm value "manager\.proxy\.httpsProxy"\): must use the proxy's port \(proxy\.port 3128/],
    [{ proxy: { httpsProxy: 'https://proxy.corp' } }, /invalid proxy\.httpsProxy "https:\/\/proxy\.corp".*must use the proxy's port \(proxy\.port 3128/],
    [{ caBundle: { secretName: 'Corp_CA' } }, /manager\.caBundle\.secretName|\/manager\/caBundle\/secretName/],
    [{ caBundle: { secretName: 'corp-ca', key: 'a b' } }, /manager\.caBundle\.key|\/manager\/caBundle\/key/],
  ])('WHEN manager is %j THEN helm template fails naming that value', (values, message) => {
    expect(() => render({ manager: values })).toThrow(message);
  });

  describe('WHEN manager.extraEnv and cache.extraEnv list variables', () => {
    const extraEnv = [{ name: 'TZ', value: 'Europe/Paris' }, { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }];
    let objects: K8sObject[];
    beforeAll(() => { objects = render({ manager: { extraEnv, proxy: { httpsProxy: 'http://proxy.corp:3128' } }, cache: { extraEnv: [{ name: 'TZ', value: 'UTC' }] } }); });

    test('THEN each container gets them after the chart\'s own, in order, as Kubernetes decodes them', () => {
      expect(manager(objects).containers[0].env.map((e: any) => e.name)).toEqual(['HOME', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'TZ', 'FROM_SECRET']);
      expect(manager(objects).containers[0].env.slice(-2)).toEqual(extraEnv);
      const minio = find(objects, 'Deployment', 'minio').spec.template.spec.containers[0].env;
      expect(minio[minio.length - 1]).toEqual({ name: 'TZ', value: 'UTC' });
      for (const o of objects) expect(() => validateObject(o)).not.toThrow();
    });
  });

  test.each([
    [{ extraEnv: [{ name: 'HTTPS_PROXY', value: 'http://x:1' }] }, /gitlab-runner\/manager: invalid extraEnv \[\{"name":"HTTPS_PROXY","value":"http:\/\/x:1"\}\] \(Helm value "manager\.extraEnv"\): must not set a variable the library sets \(HOME, SSL_CERT_DIR/],
    [{ extraEnv: [{ name: '1X', value: 'x' }] }, /manager\.extraEnv\.0\.name: Does not match pattern/],
    [{ extraEnv: [{ name: 'T', value: 1 }] }, /manager\.extraEnv\.0\.value: Invalid type/],
    [{ extraEnv: [{ name: 'T', value: 'glrt-abcdef' }] }, /manager\.extraEnv\.0\.value/],
    [{ extraEnv: [{ name: 'T', valu: 'x' }] }, /manager\.extraEnv\.0: Additional property valu is not allowed/],
    [{ extraEnv: [{ name: 'db_password', value: 'hunter2' }] }, /gitlab-runner\/manager: invalid extraEnv .* \(Helm value "manager\.extraEnv"\): must not give a variable whose name holds a credential/],
  ])('WHEN manager is %j THEN helm template refuses it naming the value', (values, message) => {
    expect(() => render({ manager: values })).toThrow(message);
  });

  test('WHEN a credential-named variable takes its value from a Secret, or names a file THEN it renders (the negative control of the credential rule)', () => {
    const env = managerEnv(render({ manager: { extraEnv: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }, { name: 'DB_PASSWORD_FILE', value: '/run/db' }] } }));
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['DB_PASSWORD', 'DB_PASSWORD_FILE']));
  });

  test('WHEN the proxy URL uses the scheme\'s port and manager.proxy.port is that port THEN it renders (the negative control of the port rule)', () => {
    expect(managerEnv(render({ manager: { proxy: { httpsProxy: 'https://proxy.corp', port: 443 } } })).HTTPS_PROXY).toBe('https://proxy.corp');
  });
});

describe('GIVEN a proxy URL that is a Helm value', () => {
  test('WHEN no port is given THEN synth refuses it: the default\'s port would be opened whatever URL is set', () => {
    const { error, written } = attemptSynth((chart) => {
      const values = Values.of(chart);
      new GitLabRunnerManager(chart, 'runner', {
        gitlabUrl: 'https://gitlab.example.com',
        proxy: { httpsProxy: values.string('proxy', { default: 'http://proxy:3128', description: 'proxy' }) },
      }).addRunner('default', { token: { secretName: 't' } });
    });
    expect(error?.message).toContain('stack/runner: invalid proxy.port (missing): must be set when httpProxy or httpsProxy is a Helm value');
    expect(written).toEqual([]);
  });

  test('WHEN its default is empty THEN plain synth writes no proxy variable', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'stack');
    const values = Values.of(chart);
    new GitLabRunnerManager(chart, 'runner', {
      gitlabUrl: 'https://gitlab.example.com',
      proxy: { httpsProxy: values.string('proxy', { default: '', description: 'proxy' }), port: 3128 },
    }).addRunner('default', { token: { secretName: 't' } });
    const objects = Testing.synth(chart) as K8sObject[];
    expect(Object.keys(managerEnv(objects))).toEqual(['HOME']);
  });
});
