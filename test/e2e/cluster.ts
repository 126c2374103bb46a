/**
 * A real Kubernetes control plane as local processes on 127.0.0.1: kine (etcd API over SQLite),
 * kube-apiserver with RBAC, PodSecurity, ValidatingAdmissionPolicy and service-account tokens,
 * kube-controller-manager, kube-scheduler, and kwok for fake nodes and pod status.
 *
 * Each scenario starts its own cluster (a few seconds) so scenarios never see each other's objects.
 * Every process is stopped by `stop()`, and by process exit or a signal if a test dies first.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';

/** The folder of built components; set by the tier's global setup. */
export function componentsBin(): string {
  const bin = process.env.E2E_BIN;
  if (!bin || !fs.existsSync(path.join(bin, 'kube-apiserver'))) {
    throw new Error('E2E_BIN is not set to a built components folder: run the tier with `npm run test:e2e`');
  }
  return bin;
}

/** A Kubernetes object as applied or read back. */
export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: any }; [k: string]: any };

/** A fake node: labels and taints as a node pool would give them. */
export interface FakeNode {
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly taints?: Array<{ key: string; value?: string; effect: string }>;
}

export interface KubectlResult { readonly status: number; readonly stdout: string; readonly stderr: string }

const live = new Set<LocalCluster>();
function stopAll(): void { for (const c of live) c.stopNow(); }
process.once('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => { stopAll(); process.kill(process.pid, signal); });
}

/**
 * Objects as one JSON `List`, the input every kubectl reads alike (1.30 takes a stream that starts
 * with JSON for JSON to the end). JSON, not YAML: re-serialized YAML could lose the quotes that keep
 * `off` a string.
 */
export function asList(objects: object[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** No single command of a scenario may take longer (helm's own --timeout is shorter). */
const EXEC_TIMEOUT_MS = 200_000;

export class LocalCluster {
  /**
   * Starts a fresh control plane and waits until it serves and has its default objects. A boot that
   * fails is retried once on new ports (a free port can be taken between the probe and the bind).
   */
  public static async start(name: string): Promise<LocalCluster> {
    try {
      return await LocalCluster.startOnce(name);
    } catch (e) {
      process.stderr.write(`control plane ${name} did not start; retrying once:\n${(e as Error).message}\n`);
      return LocalCluster.startOnce(name);
    }
  }

  private static async startOnce(name: string): Promise<LocalCluster> {
    const cluster = new LocalCluster(name, componentsBin());
    live.add(cluster);
    cluster.sampler = setInterval(() => cluster.sampleRss(), 1000);
    cluster.sampler.unref();
    try {
      await cluster.boot();
      cluster.bootSeconds = (Date.now() - cluster.started) / 1000;
    } catch (e) {
      const message = `${(e as Error).message}\n${cluster.logTail()}`;
      cluster.stopNow();
      throw new Error(message);
    }
    return cluster;
  }

  /** Temp folder holding PKI, kubeconfigs, storage and logs. */
  public readonly dir: string;
  /** Admin kubeconfig (system:masters). */
  public readonly kubeconfig: string;
  private readonly procs: Array<{ name: string; proc: ChildProcess }> = [];
  private apiPort = 0;
  /** Highest sum of the components' resident memory seen, sampled each second (budget: 2 GiB). */
  public peakRssMiB = 0;
  private sampler?: NodeJS.Timeout;
  private readonly started = Date.now();

  private constructor(public readonly name: string, private readonly bin: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `cgr-e2e-${name}-`));
    this.kubeconfig = path.join(this.dir, 'admin.kubeconfig');
  }

  /** Seconds from start to a serving control plane. */
  public bootSeconds = 0;

  private sampleRss(): void {
    let kib = 0;
    for (const { proc } of this.procs) {
      try {
        kib += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1] ?? 0);
      } catch { /* exited */ }
    }
    this.peakRssMiB = Math.max(this.peakRssMiB, Math.round(kib / 1024));
  }

  /** https://127.0.0.1:port of the API server. */
  public get server(): string { return `https://127.0.0.1:${this.apiPort}`; }

  private async boot(): Promise<void> {
    const pki = this.pki();
    const [kinePort, apiPort, kwokPort] = [await freePort(), await freePort(), await freePort()];
    this.apiPort = apiPort;
    this.run('kine', ['--endpoint', `sqlite://${this.dir}/state.db?_journal=WAL&cache=shared&_busy_timeout=30000`,
      '--listen-address', `127.0.0.1:${kinePort}`, '--metrics-bind-address', '0']);
    await this.waitForPort(kinePort, 'kine');
    this.run('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${kinePort}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      // Endpoints may not hold loopback addresses; nothing here routes to the kubernetes Service.
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${pki}/apiserver.crt`, `--tls-private-key-file=${pki}/apiserver.key`, `--client-ca-file=${pki}/ca.crt`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki}/sa.pub`, `--service-account-signing-key-file=${pki}/sa.key`,
      '--service-cluster-ip-range=10.96.0.0/16',
      // Privileged build pods are part of the product; PodSecurity decides per namespace.
      '--allow-privileged=true',
      '--enable-admission-plugins=NodeRestriction,PodSecurity,ValidatingAdmissionPolicy',
      '--enable-priority-and-fairness=false',
    ]);
    for (const [user, group] of [['admin', 'system:masters'], ['system:kube-controller-manager', ''], ['system:kube-scheduler', ''], ['kwok', 'system:masters']]) {
      this.writeKubeconfig(user, group);
    }
    await this.waitFor('the API server to be ready', () => this.kubectl('get', '--raw', '/readyz').status === 0, 90_000);
    const kcm = path.join(this.dir, 'system:kube-controller-manager.kubeconfig');
    this.run('kube-controller-manager', [`--kubeconfig=${kcm}`, `--authentication-kubeconfig=${kcm}`, `--authorization-kubeconfig=${kcm}`,
      `--service-account-private-key-file=${pki}/sa.key`, `--root-ca-file=${pki}/ca.crt`,
      '--use-service-account-credentials=true', '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0',
      '--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route,-persistentvolume-expander',
      '--concurrent-statefulset-syncs=2', '--kube-api-qps=100', '--kube-api-burst=200']);
    const sched = path.join(this.dir, 'system:kube-scheduler.kubeconfig');
    this.run('kube-scheduler', [`--kubeconfig=${sched}`, `--authentication-kubeconfig=${sched}`, `--authorization-kubeconfig=${sched}`,
      '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0']);
    this.run('kwok', [`--kubeconfig=${path.join(this.dir, 'kwok.kubeconfig')}`, '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake', `--server-address=127.0.0.1:${kwokPort}`,
      '--node-ip=127.0.0.1', '--node-lease-duration-seconds=40', `--config=${path.join(this.bin, 'kwok-stages.yaml')}`]);
    // The controller manager creates each namespace's default ServiceAccount and root CA: wait for them.
    await this.waitFor('default ServiceAccount and kube-root-ca.crt', () =>
      this.kubectl('-n', 'default', 'get', 'serviceaccount/default', 'configmap/kube-root-ca.crt').status === 0, 60_000);
  }

  /** A CA, the API server's serving cert, a client cert per user, and the service-account key pair. */
  private pki(): string {
    const pki = path.join(this.dir, 'pki');
    fs.mkdirSync(pki);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: pki, stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=e2e-ca');
    const cert = (name: string, subj: string, ext?: string) => {
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
      const extArgs: string[] = [];
      if (ext) { fs.writeFileSync(path.join(pki, `${name}.ext`), ext); extArgs.push('-extfile', `${name}.ext`); }
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...extArgs);
    };
    cert('apiserver', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n');
    for (const [user, group] of [['admin', 'system:masters'], ['system:kube-controller-manager', ''], ['system:kube-scheduler', ''], ['kwok', 'system:masters']]) {
      cert(user, `${group ? `/O=${group}` : ''}/CN=${user}`, 'extendedKeyUsage=clientAuth\n');
    }
    openssl('genrsa', '-out', 'sa.key', '2048');
    openssl('rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
    return pki;
  }

  private writeKubeconfig(user: string, _group: string): void {
    const pki = path.join(this.dir, 'pki');
    const file = user === 'admin' ? this.kubeconfig : path.join(this.dir, `${user}.kubeconfig`);
    fs.writeFileSync(file, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'e2e',
      clusters: [{ name: 'e2e', cluster: { server: this.server, 'certificate-authority': `${pki}/ca.crt` } }],
      users: [{ name: user, user: { 'client-certificate': `${pki}/${user}.crt`, 'client-key': `${pki}/${user}.key` } }],
      contexts: [{ name: 'e2e', context: { cluster: 'e2e', user } }],
    }));
  }

  /** A kubeconfig that authenticates with a bearer token (e.g. a ServiceAccount's, from TokenRequest). */
  public tokenKubeconfig(name: string, token: string, namespace?: string): string {
    const file = path.join(this.dir, `${name}.kubeconfig`);
    fs.writeFileSync(file, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'e2e',
      clusters: [{ name: 'e2e', cluster: { server: this.server, 'certificate-authority': path.join(this.dir, 'pki', 'ca.crt') } }],
      users: [{ name, user: { token } }],
      contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: name, ...(namespace ? { namespace } : {}) } }],
    }), { mode: 0o600 });
    return file;
  }

  private run(name: string, args: string[]): void {
    const log = fs.openSync(path.join(this.dir, `${name}.log`), 'a');
    const proc = spawn(path.join(this.bin, name), args, { cwd: this.dir, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    proc.on('exit', (code, signal) => {
      if (!this.stopping) fs.appendFileSync(path.join(this.dir, `${name}.log`), `\n[harness] ${name} exited: ${code ?? signal}\n`);
    });
    this.procs.push({ name, proc });
  }

  private stopping = false;

  /** Stops every process (SIGTERM, then SIGKILL) and removes the temp folder unless E2E_KEEP is set. */
  public async stop(): Promise<void> {
    this.stopping = true;
    for (const { proc } of [...this.procs].reverse()) if (proc.exitCode === null) proc.kill('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (this.procs.some(({ proc }) => proc.exitCode === null && proc.signalCode === null) && Date.now() < deadline) await sleep(100);
    this.stopNow();
  }

  /** Synchronous last resort (exit handlers cannot wait). */
  public stopNow(): void {
    if (this.sampler) {
      clearInterval(this.sampler);
      this.sampler = undefined;
      // One line per cluster for docs/benchmarks.md: boot time and peak memory of the control plane.
      fs.mkdirSync('reports', { recursive: true });
      fs.appendFileSync(path.join('reports', 'e2e-clusters.log'),
        `${this.name}: boot ${this.bootSeconds.toFixed(1)} s, peak RSS ${this.peakRssMiB} MiB, lived ${((Date.now() - this.started) / 1000).toFixed(0)} s\n`);
    }
    this.stopping = true;
    for (const { proc } of this.procs) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    live.delete(this);
    if (!process.env.E2E_KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The last lines of each component's log, for failure messages. */
  public logTail(lines = 15): string {
    return this.procs.map(({ name }) => {
      const file = path.join(this.dir, `${name}.log`);
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
      return `--- ${name} ---\n${text}`;
    }).join('\n');
  }

  private async waitForPort(port: number, what: string): Promise<void> {
    await this.waitFor(what, () => new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    }), 30_000);
  }

  /** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
  public async waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await check()) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await sleep(250);
    }
  }

  /** Runs the built kubectl against this cluster (admin unless `kubeconfig` is given). */
  public kubectl(...args: string[]): KubectlResult {
    return this.kubectlAs(this.kubeconfig, ...args);
  }

  public kubectlAs(kubeconfig: string, ...args: string[]): KubectlResult {
    return this.exec(path.join(this.bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args]);
  }

  /** Like kubectl(), but throws with stderr unless it succeeds. */
  public kubectlOk(...args: string[]): string {
    const r = this.kubectl(...args);
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Runs any command with KUBECONFIG pointing at this cluster's admin. */
  public exec(file: string, args: string[], input?: string, env: Record<string, string> = {}): KubectlResult {
    // stderr is kept on success too: it carries the API server's warnings. A synchronous call blocks
    // jest's own timeout, so every call has one of its own.
    const r = spawnSync(file, args, { input, env: { ...process.env, KUBECONFIG: this.kubeconfig, ...env }, maxBuffer: 64 << 20, timeout: EXEC_TIMEOUT_MS, killSignal: 'SIGKILL' });
    const timedOut = r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `\n${path.basename(file)} ${args.join(' ')}: killed after ${EXEC_TIMEOUT_MS / 1000} s` : '';
    return { status: r.status ?? 1, stdout: r.stdout?.toString() ?? '', stderr: `${r.stderr?.toString() ?? ''}${timedOut || (r.error && !r.stderr ? String(r.error) : '')}` };
  }

  /** Objects of a kind, parsed from `kubectl get -o json`. */
  public list(kind: string, ...args: string[]): KubeObject[] {
    return JSON.parse(this.kubectlOk('get', kind, '-o', 'json', ...args)).items;
  }

  /**
   * Server-side applies YAML text as its owner would: Namespaces and CRDs first (an apply of one
   * file does not order them), then everything else. Returns kubectl's stderr (warnings).
   */
  public apply(yamlText: string, fieldManager = 'e2e'): string {
    const docs = (parseAllDocuments(yamlText, { version: '1.1' }).map((d) => d.toJS()).filter((o) => o && o.kind) as KubeObject[])
      .flatMap((o) => (o.kind === 'List' ? o.items as KubeObject[] : [o]));
    const first = docs.filter((o) => o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition');
    const rest = docs.filter((o) => !first.includes(o));
    let warnings = '';
    for (const batch of [first, rest]) {
      if (!batch.length) continue;
      const r = this.exec(path.join(this.bin, 'kubectl'), ['--kubeconfig', this.kubeconfig, 'apply', '--server-side', `--field-manager=${fieldManager}`, '-f', '-'],
        asList(batch));
      if (r.status !== 0) throw new Error(`server-side apply failed:\n${r.stderr}${r.stdout}`);
      warnings += r.stderr;
      if (batch === first && batch.some((o) => o.kind === 'CustomResourceDefinition')) {
        this.kubectlOk('wait', '--for=condition=Established', '--timeout=60s', ...batch.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => `crd/${o.metadata.name}`));
      }
    }
    return warnings;
  }

  /** Registers fake nodes that kwok keeps Ready; the scheduler places pods on them. */
  public async addNodes(nodes: FakeNode[]): Promise<void> {
    const objects = nodes.map((node) => ({
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        name: node.name,
        annotations: { 'kwok.x-k8s.io/node': 'fake' },
        labels: { 'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok', ...node.labels },
      },
      spec: { taints: node.taints ?? [] },
      status: {
        allocatable: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' },
        capacity: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' },
      },
    }));
    const r = this.exec(path.join(this.bin, 'kubectl'), ['--kubeconfig', this.kubeconfig, 'create', '-f', '-'], asList(objects));
    if (r.status !== 0) throw new Error(`creating nodes failed:\n${r.stderr}`);
    await this.waitFor(`nodes ${nodes.map((n) => n.name).join(', ')} to be Ready`, () => {
      const ready = this.list('nodes').filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return nodes.every((n) => ready.some((r2) => r2.metadata.name === n.name));
    }, 60_000);
  }
}
