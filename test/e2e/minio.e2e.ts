/**
 * Scenario g (issue 11): MinIO, real. The reference stack's MinIO Deployment and bucket
 * provisioning Job, synthesized in-process, are turned into local processes: the real `minio`
 * started as the Deployment's container starts it (its command, start script, arguments and
 * environment; credentials from files), and the emitted provision-bucket.sh run with the real `mc`
 * and the Job's environment, config and secret files. Then `mc` checks what the bucket holds.
 *
 * What the test changes, and why: mount paths become temp folders, and addresses become
 * 127.0.0.1 with free ports (the test must only use loopback). Everything else is read from the
 * synthesized objects, so the test follows what is emitted.
 *
 * Over TLS: a cache with `MinioTls.fromSecret`, its Secret filled with a CA and a certificate made
 * by openssl, run the same way: MinIO must serve HTTPS from the emitted certs volume, and the Job's
 * mc must trust the CA it is given (and only because of it).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import * as https from 'https';
import { CacheCredentials, GitLabRunnerManager, MinioCache, MinioTls } from '../../src';
import { ReferenceStack } from '../../src/main';

type Obj = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: any };

const BIN = process.env.E2E_BIN;
if (!BIN || !fs.existsSync(path.join(BIN, 'minio')) || !fs.existsSync(path.join(BIN, 'mc'))) {
  // Loud, not skipped: the tier is meaningless without the real binaries.
  throw new Error(`E2E_BIN must name the folder test/e2e/build-components.sh prints, holding minio and mc (got ${JSON.stringify(BIN)})`);
}
// Debian's `mc` is Midnight Commander: the built one comes first, and nothing else named mc is reachable.
const PATH = `${BIN}:/usr/bin:/bin`;

// Secret values, by Secret name and key, as an operator would create them (README).
const SECRETS: Record<string, Record<string, string>> = {
  'minio-root': { rootUser: 'minio-admin\n', rootPassword: 'r00t-Passw0rd-e2e\n' },
  'gitlab-runner-cache': { accesskey: 'gitlab-runner\n', secretkey: 'cache-S3cret-Key-e2e\n' },
};
const ROOT = { user: 'minio-admin', password: 'r00t-Passw0rd-e2e' };
const RUNNER = { user: 'gitlab-runner', password: 'cache-S3cret-Key-e2e' };

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-minio-'));
let minio: ChildProcess | undefined;
let minioLog = '';

/** Stops MinIO (also when the test process is interrupted). */
function stopMinio(): void {
  if (minio && minio.exitCode === null && minio.signalCode === null) minio.kill('SIGKILL');
}
process.once('exit', stopMinio);

function synthReference(): Obj[] {
  const app = Testing.app();
  const objects = Testing.synth(new ReferenceStack(app, 'gitlab-runner')) as Obj[];
  return objects;
}

/** The reference stack's cache, with a quota: a second Job for the same MinIO. */
function synthWithQuota(quota: string): Obj[] {
  const chart = new Chart(Testing.app() as App, 'quota');
  const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
  manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } }).useCache(new MinioCache(chart, 'cache', {
    rootCredentials: CacheCredentials.fromSecret('minio-root'),
    cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
    quota,
  }));
  return Testing.synth(chart) as Obj[];
}

function one(objects: Obj[], what: string, match: (o: Obj) => boolean): Obj {
  const found = objects.filter(match);
  if (found.length !== 1) throw new Error(`expected one ${what} in the synthesized stack, found ${found.length}`);
  return found[0];
}

/** A fresh folder per mount path; `remap` rewrites a container path under a mount to the folder. */
class Mounts {
  private readonly dirs: Array<[string, string]> = [];
  constructor(private readonly root: string) {}
  public add(mountPath: string): string {
    const dir = fs.mkdtempSync(path.join(this.root, `${mountPath.replace(/\W+/g, '_')}-`));
    this.dirs.push([mountPath, dir]);
    return dir;
  }
  public remap(value: string): string {
    for (const [mount, dir] of this.dirs) {
      if (value === mount) return dir;
      if (value.startsWith(`${mount}/`)) return dir + value.slice(mount.length);
    }
    return value;
  }
}

/** Writes the Secret items a volume (secret or projected) projects into `dir`. */
function writeSecretItems(volume: any, dir: string, secrets: typeof SECRETS): void {
  const sources = volume.secret ? [{ secret: { name: volume.secret.secretName, items: volume.secret.items } }] : volume.projected.sources;
  for (const { secret } of sources) {
    for (const item of secret.items) {
      const value = secrets[secret.name]?.[item.key];
      if (value === undefined) throw new Error(`the test has no value for Secret ${secret.name} key ${item.key}`);
      fs.mkdirSync(path.dirname(path.join(dir, item.path)), { recursive: true });
      fs.writeFileSync(path.join(dir, item.path), value, { mode: 0o400 });
    }
  }
}

/** Sets up the container's volumes as folders: Secrets and ConfigMaps written, the rest empty. */
function mountVolumes(container: any, podSpec: any, objects: Obj[], namespace: string, root: string, secrets = SECRETS): Mounts {
  const mounts = new Mounts(root);
  for (const m of container.volumeMounts ?? []) {
    const dir = mounts.add(m.mountPath);
    const volume = podSpec.volumes.find((v: any) => v.name === m.name);
    if (volume.secret || volume.projected) writeSecretItems(volume, dir, secrets);
    if (volume.configMap) {
      const cm = one(objects, `ConfigMap ${volume.configMap.name}`, (o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name && o.metadata.namespace === namespace);
      for (const [file, text] of Object.entries(cm.data as Record<string, string>)) fs.writeFileSync(path.join(dir, file), text);
    }
  }
  return mounts;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    http.get(url, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', () => resolve(0));
  });
}

/** Polls `ready` until it holds or MinIO exits; a bounded wait, not a timed assertion. */
async function waitUntil(ready: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await ready()) return;
    if (minio?.exitCode !== null || minio?.signalCode !== null) throw new Error(`MinIO exited while waiting for ${what}:\n${minioLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}:\n${minioLog}`);
}

let endpoint = '';
let configDir = '';
const mcEnv = (): NodeJS.ProcessEnv => ({
  PATH, HOME: work, MC_CONFIG_DIR: configDir, MC_NO_COLOR: '1',
  MC_HOST_root: `http://${ROOT.user}:${ROOT.password}@${endpoint}`,
  MC_HOST_runner: `http://${RUNNER.user}:${RUNNER.password}@${endpoint}`,
});

/** Runs the real mc; returns its status and output. */
function mc(...args: string[]): { status: number; out: string } {
  const r = spawnSync('mc', args, { env: mcEnv(), encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** mc with --json that must succeed; its last JSON line. */
function mcJson(...args: string[]): any {
  const r = mc('--json', ...args);
  if (r.status !== 0) throw new Error(`mc ${args.join(' ')} failed (${r.status}): ${r.out}`);
  return JSON.parse(r.out.trim().split('\n').pop()!);
}

/** Runs the emitted provisioning Job's container as a local process; returns status and output. */
function runJob(objects: Obj[], root: string, secrets = SECRETS, extraEnv: Record<string, string> = {}, target = endpoint): { status: number; out: string } {
  const job = one(objects, 'bucket provisioning Job', (o) => o.kind === 'Job');
  const podSpec = job.spec.template.spec;
  expect(podSpec.containers).toHaveLength(1);
  const container = podSpec.containers[0];
  fs.mkdirSync(root, { recursive: true });
  const mounts = mountVolumes(container, podSpec, objects, job.metadata.namespace!, root, secrets);
  const service = one(objects, 'MinIO Service', (o) => o.kind === 'Service' && o.metadata.name === 'minio' && o.metadata.namespace === job.metadata.namespace);
  const env: Record<string, string> = {};
  for (const e of container.env) {
    let value = mounts.remap(e.value);
    if (e.name === 'MINIO_URL') {
      // The Job reaches MinIO through its Service: the test has it at 127.0.0.1.
      const url = new URL(value);
      expect(`${url.hostname}:${url.port}`).toBe(`minio.${job.metadata.namespace}.svc.cluster.local:${service.spec.ports[0].port}`);
      value = `${url.protocol}//${target}`;
    }
    env[e.name] = value;
  }
  const [shell, ...scriptArgs] = container.command;
  expect(shell).toBe('/bin/sh');
  const r = spawnSync(shell, [...scriptArgs, ...container.args].map((a: string) => mounts.remap(a)), {
    env: { ...env, PATH, HOME: mounts.remap('/tmp'), ...extraEnv }, encoding: 'utf8',
    // A bound, not a timing assertion: a Job that hangs fails the test instead of the tier.
    timeout: 180_000,
  });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** A policy document with its action lists sorted: MinIO keeps actions as a set, in no order. */
function normalizePolicy(policy: any): any {
  return policy && {
    ...policy,
    Statement: policy.Statement.map((st: any) => ({ ...st, Action: [...st.Action].sort(), Resource: [...st.Resource].sort() })),
  };
}

/** What provisioning set, as mc reports it: compared between runs. */
function state(bucket: string, policy: string): Record<string, unknown> {
  const ilm = mcJson('ilm', 'rule', 'ls', `root/${bucket}`);
  const user = mcJson('admin', 'user', 'info', 'root', RUNNER.user);
  return {
    buckets: mc('--json', 'ls', 'root').out.trim().split('\n').map((l) => JSON.parse(l).key).sort(),
    ilm: ilm.config?.Rules?.map((r: any) => ({ id: r.ID, status: r.Status, days: r.Expiration?.Days })),
    // `quota info` reports no quota field for a bucket without a quota.
    quota: mcJson('quota', 'info', `root/${bucket}`).quota ?? 'none',
    versioning: mcJson('version', 'info', `root/${bucket}`).versioning?.status ?? '',
    user: { status: user.userStatus, policy: user.policyName },
    policy: normalizePolicy(mcJson('admin', 'policy', 'info', 'root', policy).policyInfo?.Policy),
  };
}

describe('MinIO, real: the emitted Deployment and provisioning Job against the real minio and mc', () => {
  const objects = synthReference();
  const deployment = one(objects, 'MinIO Deployment or StatefulSet', (o) => (o.kind === 'Deployment' || o.kind === 'StatefulSet') && o.metadata.name === 'minio');
  const podSpec = deployment.spec.template.spec;
  const container = podSpec.containers.find((c: any) => c.name === 'minio');
  const job = one(objects, 'bucket provisioning Job', (o) => o.kind === 'Job');
  const jobEnv = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
  const bucket: string = jobEnv.BUCKET;
  const policyName: string = jobEnv.POLICY;
  const jobConfig = one(objects, 'Job ConfigMap', (o) => o.kind === 'ConfigMap' && o.metadata.name === job.spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name).data;
  let first: Record<string, unknown>;

  beforeAll(async () => {
    const port = await freePort();
    endpoint = `127.0.0.1:${port}`;
    configDir = fs.mkdtempSync(path.join(work, 'mc-'));
    const mounts = mountVolumes(container, podSpec, objects, deployment.metadata.namespace!, fs.mkdtempSync(path.join(work, 'minio-')));
    const env: Record<string, string> = { PATH };
    for (const e of container.env) env[e.name] = mounts.remap(e.value);
    // The S3 port the Deployment listens on, as the Service targets it.
    const s3Port = container.ports.find((p: any) => p.name === 's3').containerPort;
    const args = (container.args as string[]).map((a) => (a === `:${s3Port}` ? endpoint : mounts.remap(a)));
    expect(args).toContain(endpoint);
    const [command, ...commandArgs] = container.command;
    minio = spawn(command, [...commandArgs, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    minio.stdout!.on('data', (d) => { minioLog += d; });
    minio.stderr!.on('data', (d) => { minioLog += d; });
    await waitUntil(async () => (await httpStatus(`http://${endpoint}${container.readinessProbe.httpGet.path}`)) === 200, 'MinIO readiness');
  });

  afterAll(() => {
    stopMinio();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('GIVEN the emitted start script THEN the real minio runs with the root credentials from the Secret files and the emitted region', () => {
    expect(container.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(container.env.map((e: any) => e.name)).toEqual(expect.arrayContaining(['MINIO_ROOT_USER_FILE', 'MINIO_ROOT_PASSWORD_FILE']));
    expect(mcJson('admin', 'info', 'root').info?.mode).toBe('online');
    const region = container.env.find((e: any) => e.name === 'MINIO_SITE_REGION')?.value;
    expect(region).toBeTruthy();
    // The server answers GetBucketLocation with the emitted region.
    expect(mc('mb', '--ignore-existing', 'root/region-probe').status).toBe(0);
    expect(mcJson('stat', 'root/region-probe').location).toBe(region);
    expect(mc('rb', 'root/region-probe').status).toBe(0);
    // Negative control: the well-known default credentials MinIO falls back to are not accepted.
    const r = spawnSync('mc', ['admin', 'info', 'dflt'], { env: { ...mcEnv(), MC_HOST_dflt: `http://minioadmin:minioadmin@${endpoint}` }, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).not.toBe(0);
  });

  test('WHEN the emitted provisioning Job runs with the real mc THEN bucket, expiry rule, quota, versioning, the scoped user and its policy are in place', () => {
    const out = runJob(objects, path.join(work, 'job-1'));
    expect(out.out).toContain(`provision-bucket: bucket ${bucket} is ready`);
    expect(out.status).toBe(0);
    first = state(bucket, policyName);
    const lifecycle = JSON.parse(jobConfig['lifecycle.json']);
    expect(first.buckets).toContain(`${bucket}/`);
    expect(first.ilm).toEqual([{ id: lifecycle.Rules[0].ID, status: 'Enabled', days: lifecycle.Rules[0].Expiration.Days }]);
    expect(jobEnv.QUOTA_BYTES).toBe('');
    expect(first.quota).toBe('none');
    expect(first.versioning).toBe('Suspended');
    expect(first.user).toEqual({ status: 'enabled', policy: policyName });
    expect(first.policy).toEqual(normalizePolicy(JSON.parse(jobConfig['policy.json'])));
  });

  test('GIVEN nothing listening at the MinIO address WHEN the Job runs THEN it gives up after READY_ATTEMPTS with a message (the real `mc ready` retries without end)', async () => {
    const out = runJob(objects, path.join(work, 'job-unreachable'), SECRETS, { READY_ATTEMPTS: '2', READY_TIMEOUT: '2', READY_INTERVAL: '0' }, `127.0.0.1:${await freePort()}`);
    expect(out.out).toMatch(/provision-bucket: MinIO at http:\/\/127\.0\.0\.1:\d+ is not ready after 2 attempts/);
    expect(out.status).toBe(1);
  });

  test('WHEN it runs a second time THEN it succeeds and changes nothing', () => {
    const out = runJob(objects, path.join(work, 'job-2'));
    expect(out.status).toBe(0);
    expect(state(bucket, policyName)).toEqual(first);
  });

  test('GIVEN drift (versioning on, a quota, another expiry, another secret key) WHEN it runs again THEN the configured state is restored (the comparison above is not vacuous)', () => {
    expect(mc('version', 'enable', `root/${bucket}`).status).toBe(0);
    expect(mc('quota', 'set', `root/${bucket}`, '--size', '1GiB').status).toBe(0);
    expect(mc('ilm', 'rule', 'edit', `root/${bucket}`, '--id', (first.ilm as any)[0].id, '--expire-days', '99').status).toBe(0);
    const drifted = spawnSync('mc', ['admin', 'user', 'add', 'root', RUNNER.user, 'another-secret-key'], { env: mcEnv(), encoding: 'utf8', timeout: 120_000 });
    expect(drifted.status).toBe(0);
    expect(state(bucket, policyName)).not.toEqual(first);
    expect(mc('ls', `runner/${bucket}`).status).not.toBe(0);

    const out = runJob(objects, path.join(work, 'job-3'));
    expect(out.status).toBe(0);
    expect(state(bucket, policyName)).toEqual(first);
    expect(mc('ls', `runner/${bucket}`).status).toBe(0);
  });

  test('WHEN a Job with a quota runs against the same MinIO THEN the quota is set in bytes; the reference Job clears it again', () => {
    const withQuota = synthWithQuota('2Gi');
    const out = runJob(withQuota, path.join(work, 'job-quota'));
    expect(out.status).toBe(0);
    expect(state(bucket, policyName).quota).toBe(2 * 1024 ** 3);
    expect(runJob(objects, path.join(work, 'job-4')).status).toBe(0);
    expect(state(bucket, policyName).quota).toBe('none');
  });

  describe('GIVEN the scoped user (the runners\' cache keys)', () => {
    const file = path.join(work, 'cache.zip');
    beforeAll(() => {
      fs.writeFileSync(file, 'cached archive\n');
      // Another bucket, with an object in it, made by the root user.
      expect(mc('mb', '--ignore-existing', 'root/other-bucket').status).toBe(0);
      expect(mc('cp', file, 'root/other-bucket/secret.zip').status).toBe(0);
    });

    test('THEN it can put and get objects in the cache bucket', () => {
      expect(mc('cp', file, `runner/${bucket}/runner/project/1/default/cache.zip`)).toMatchObject({ status: 0 });
      expect(mc('cat', `runner/${bucket}/runner/project/1/default/cache.zip`)).toEqual({ status: 0, out: 'cached archive\n' });
      expect(mc('ls', `runner/${bucket}/runner/project/1/default/`).status).toBe(0);
    });

    test.each([
      ['put into another bucket', ['cp', file, 'runner/other-bucket/x.zip']],
      ['get from another bucket', ['cat', 'runner/other-bucket/secret.zip']],
      ['list another bucket', ['ls', 'runner/other-bucket']],
      ['create a bucket', ['mb', 'runner/new-bucket']],
      ['delete an object of the cache bucket', ['rm', `runner/${bucket}/runner/project/1/default/cache.zip`]],
      ['change the bucket\'s lifecycle', ['ilm', 'rule', 'rm', '--all', '--force', `runner/${bucket}`]],
      ['list users (admin API)', ['admin', 'user', 'list', 'runner']],
      ['read server info (admin API)', ['admin', 'info', 'runner']],
      ['create a user (admin API)', ['admin', 'user', 'add', 'runner', 'intruder', 'intruder-secret']],
    ])('WHEN it tries to %s THEN access is denied, while root may (negative control)', (_what, args) => {
      const denied = mc(...args);
      expect(denied.status).not.toBe(0);
      expect(denied.out).toMatch(/Access Denied|Insufficient permissions/i);
      // The same call as root is allowed: the denial comes from the policy, not a broken call.
      const rootArgs = args.map((a) => a.replace(/^runner(\/|$)/, 'root$1'));
      if (args[0] !== 'rm' && args[0] !== 'ilm') expect(mc(...rootArgs).status).toBe(0);
    });
  });

  test('GIVEN cache keys in UTF-8 with URL and shell special characters (values secret-value.sh accepts) WHEN the Job runs THEN that user can put and get', () => {
    const user = 'runnér-ü', key = 'clé-€-😀-a=b&c%20d+e/f$x\'"';
    const out = runJob(objects, path.join(work, 'job-utf8'), { ...SECRETS, 'gitlab-runner-cache': { accesskey: `${user}\n`, secretkey: `${key}\n` } });
    expect(out.status).toBe(0);
    expect(mcJson('admin', 'user', 'info', 'root', user)).toMatchObject({ userStatus: 'enabled', policyName });
    // Keys on stdin, as the script gives them: an MC_HOST_ URL would need them encoded.
    const alias = spawnSync('mc', ['alias', 'set', 'utf8', `http://${endpoint}`, '--api', 'S3v4', '--path', 'on'], { input: `${user}\n${key}\n`, env: mcEnv(), encoding: 'utf8', timeout: 120_000 });
    expect(alias.status).toBe(0);
    fs.writeFileSync(path.join(work, 'utf8.zip'), 'utf8 archive\n');
    expect(mc('cp', path.join(work, 'utf8.zip'), `utf8/${bucket}/utf8.zip`).status).toBe(0);
    expect(mc('cat', `utf8/${bucket}/utf8.zip`)).toEqual({ status: 0, out: 'utf8 archive\n' });
    expect(mc('ls', 'utf8/other-bucket').status).not.toBe(0);
  });
});

/** A CA and a server certificate signed by it, made with openssl: what cert-manager would put in the TLS Secret. */
function makeCertificates(dir: string, dnsName: string): { ca: string; cert: string; key: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=e2e test CA');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', `/CN=${dnsName}`);
  // The Service name the Certificate would hold, and 127.0.0.1: the address the test has MinIO at.
  fs.writeFileSync(path.join(dir, 'san.ext'), `subjectAltName=DNS:${dnsName},IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n`);
  run('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '1', '-extfile', 'san.ext');
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return { ca: read('ca.crt'), cert: read('tls.crt'), key: read('tls.key') };
}

describe('MinIO over TLS, real: the emitted certs mount, --certs-dir and the Job\'s mc trusting the CA', () => {
  const namespace = 'gitlab-runner-cache';
  const chart = new Chart(Testing.app() as App, 'tls');
  const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
  const cache = new MinioCache(chart, 'cache', {
    rootCredentials: CacheCredentials.fromSecret('minio-root'),
    cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
    tls: MinioTls.fromSecret('minio-tls'),
  });
  manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } }).useCache(cache);
  const objects = Testing.synth(chart) as Obj[];
  const deployment = one(objects, 'MinIO Deployment', (o) => o.kind === 'Deployment' && o.metadata.name === 'minio');
  const podSpec = deployment.spec.template.spec;
  const container = podSpec.containers.find((c: any) => c.name === 'minio');
  const bucket = one(objects, 'bucket provisioning Job', (o) => o.kind === 'Job').spec.template.spec.containers[0].env.find((e: any) => e.name === 'BUCKET').value;
  // Its own folder: the suite above removes `work` when it ends.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-minio-tls-'));
  const pem = makeCertificates(dir, `minio.${namespace}.svc.cluster.local`);
  const secrets = { ...SECRETS, 'minio-tls': { 'tls.crt': pem.cert, 'tls.key': pem.key, 'ca.crt': pem.ca } };
  let server: ChildProcess | undefined;
  let log = '';
  let address = '';

  /** mc with a config directory of its own: trusting the CA (as the Job sets it up) or not. */
  const tlsMc = (trustCa: boolean, ...args: string[]) => {
    const config = fs.mkdtempSync(path.join(dir, 'mc-'));
    if (trustCa) {
      fs.mkdirSync(path.join(config, 'certs', 'CAs'), { recursive: true });
      fs.writeFileSync(path.join(config, 'certs', 'CAs', 'ca.crt'), pem.ca);
    }
    const r = spawnSync('mc', ['--json', ...args], {
      env: { PATH, HOME: dir, MC_CONFIG_DIR: config, MC_NO_COLOR: '1', MC_HOST_tls: `https://${ROOT.user}:${ROOT.password}@${address}` },
      encoding: 'utf8', timeout: 120_000,
    });
    return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
  };

  beforeAll(async () => {
    address = `127.0.0.1:${await freePort()}`;
    const mounts = mountVolumes(container, podSpec, objects, namespace, fs.mkdtempSync(path.join(dir, 'minio-')), secrets);
    const env: Record<string, string> = { PATH };
    for (const e of container.env) env[e.name] = mounts.remap(e.value);
    const s3Port = container.ports.find((p: any) => p.name === 's3').containerPort;
    const args = (container.args as string[]).map((a) => (a === `:${s3Port}` ? address : mounts.remap(a)));
    const [command, ...commandArgs] = container.command;
    server = spawn(command, [...commandArgs, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d) => { log += d; });
    server.stderr!.on('data', (d) => { log += d; });
    const probe = container.readinessProbe.httpGet;
    expect(probe.scheme).toBe('HTTPS');
    const ready = () => new Promise<boolean>((resolve) => {
      https.get({ host: '127.0.0.1', port: Number(address.split(':')[1]), path: probe.path, ca: pem.ca }, (res) => { res.resume(); resolve(res.statusCode === 200); })
        .on('error', () => resolve(false));
    });
    for (let i = 0; i < 600 && !(await ready()); i++) {
      if (server.exitCode !== null || server.signalCode !== null) throw new Error(`MinIO exited:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!(await ready())) throw new Error(`gave up waiting for MinIO over TLS:\n${log}`);
  });

  afterAll(() => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('GIVEN the emitted certs volume THEN the real minio serves HTTPS with the Secret\'s certificate, verified against its CA', async () => {
    const served = await new Promise<string>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: Number(address.split(':')[1]), path: '/minio/health/live', ca: pem.ca }, (res) => {
        res.resume();
        resolve((res.socket as any).getPeerCertificate().subject.CN);
      }).on('error', reject);
    });
    expect(served).toBe(`minio.${namespace}.svc.cluster.local`);
    // Negative control: without the CA the same request fails verification.
    await expect(new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: Number(address.split(':')[1]), path: '/minio/health/live' }, resolve).on('error', reject);
    })).rejects.toThrow(/self[- ]signed|unable to (verify|get)/i);
  });

  test('WHEN the emitted Job runs with the real mc against https THEN it trusts the CA from its mount and provisions the bucket', () => {
    const out = runJob(objects, path.join(dir, 'job'), secrets, {}, address);
    expect(out.out).toContain(`provision-bucket: bucket ${bucket} is ready`);
    expect(out.status).toBe(0);
    const ls = tlsMc(true, 'ls', 'tls');
    expect(ls.status).toBe(0);
    expect(ls.out).toContain(`"key":"${bucket}/"`);
  });

  test('GIVEN mc without the CA THEN it refuses MinIO\'s certificate (the trust above is the CA, not a skipped check)', () => {
    const r = tlsMc(false, 'ls', 'tls');
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/certificate|x509/i);
  });
});

// The built binaries are the pinned releases (versions.json is written by the build script).
test('the binaries are the pinned MinIO and mc releases', () => {
  const versions = JSON.parse(fs.readFileSync(path.join(BIN!, 'versions.json'), 'utf8'));
  expect(execFileSync(path.join(BIN!, 'minio'), ['--version'], { encoding: 'utf8' })).toContain(versions.minio);
  expect(execFileSync(path.join(BIN!, 'mc'), ['--version'], { encoding: 'utf8' })).toContain(versions.mc);
});
