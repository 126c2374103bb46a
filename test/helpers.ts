import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { parse } from 'smol-toml';
import { GitLabRunnerManager, GitLabRunnerManagerProps, RunnerOptions } from '../src';

/** A Kubernetes object as synthesized. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any };

/** GIVEN a chart built by `build`, WHEN synthesized, THEN these objects. */
export function synth(build: (chart: Chart) => void): K8sObject[] {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart) as K8sObject[];
}

/** A manager with one runner, from partial props (the common fixture). */
export function managerStack(props: Partial<GitLabRunnerManagerProps> = {}, runner: Partial<RunnerOptions> = {}): { objects: K8sObject[]; manager: GitLabRunnerManager } {
  let manager!: GitLabRunnerManager;
  const objects = synth((chart) => {
    manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com', ...props });
    manager.addRunner('default', { token: { secretName: 'runner-token' }, ...runner });
  });
  return { objects, manager };
}

export function find(objects: K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${namespace ?? '*'}/${name}, found ${found.length}`);
  return found[0];
}

/** Every pod template in the output, with where it came from. */
export function podSpecs(objects: K8sObject[]): Array<{ owner: string; spec: any }> {
  return objects.flatMap((o) => {
    if (o.kind === 'Pod') return [{ owner: `Pod/${o.metadata.name}`, spec: o.spec }];
    if (o.kind === 'CronJob') return [{ owner: `CronJob/${o.metadata.name}`, spec: o.spec.jobTemplate.spec.template.spec }];
    // A pod template has containers (a Karpenter NodePool's spec.template.spec has none).
    if (o.spec?.template?.spec?.containers) return [{ owner: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }];
    return [];
  });
}

export function tmpdir(prefix = 'cdk8s-gitlab-runner-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Runs the real render script (the one shipped in the ConfigMap, with the shared secret-value.sh
 * beside it) with /bin/sh, as the init container does, over a template and a set of secret files.
 * `sites` are the script's placeholder-site arguments (see {@link renderSites}); by default one
 * `token` site per secret, for hand-written templates. Returns the config directory.
 */
export function renderConfig(template: string, secrets: Record<string, string | Buffer>, env: Record<string, string> = {}, shell: Shell = 'sh', sites?: string[]): { dir: string; stderr: string; status: number } {
  const work = tmpdir();
  const templateFile = path.join(work, 'config.template.toml');
  fs.writeFileSync(templateFile, template);
  const secretsDir = path.join(work, 'secrets');
  for (const [name, value] of Object.entries(secrets)) {
    fs.mkdirSync(path.dirname(path.join(secretsDir, name)), { recursive: true });
    fs.writeFileSync(path.join(secretsDir, name), value);
  }
  const configDir = path.join(work, 'config');
  fs.mkdirSync(configDir);
  const scriptDir = path.join(work, 'scripts');
  fs.mkdirSync(scriptDir);
  for (const file of ['runner/render-config.sh', 'common/secret-value.sh']) {
    fs.copyFileSync(path.join(__dirname, '..', 'src', file), path.join(scriptDir, path.basename(file)));
  }
  const script = path.join(scriptDir, 'render-config.sh');
  const [command, args, PATH] = shell === 'busybox'
    ? [busyboxPath(), ['sh'], busyboxBin()]
    : ['/bin/sh', [], process.env.PATH];
  try {
    execFileSync(command, [...args, script, templateFile, configDir, secretsDir, ...(sites ?? Object.keys(secrets).map((name) => `token=${name}`))], {
      env: { PATH, POD_NAME: 'gitlab-runner-0', ...env }, stdio: 'pipe',
    });
    return { dir: configDir, stderr: '', status: 0 };
  } catch (e: any) {
    return { dir: configDir, stderr: String(e.stderr), status: e.status };
  }
}

/**
 * Secret values both scripts refuse (secret-value.sh), with the reason they give: one table for
 * render-config.sh and provision-bucket.sh, so they are shown to refuse the same.
 */
export const SECRET_VALUE_CASES: ReadonlyArray<[string, string | Buffer, RegExp]> = [
  ['an empty value', '  \n', /is empty/],
  ['a line break inside', 'line1-abcdefgh\nline2-abcdefgh', /holds whitespace, a line break or a control character inside/],
  ['a space inside', 'abcdefgh ijklmnop', /holds whitespace, a line break or a control character inside/],
  ['a control character', 'abcdefgh\u0007ijklmnop', /holds whitespace, a line break or a control character inside/],
  ['a NUL byte inside', Buffer.from('abcdefgh\0ijklmnop'), /holds a NUL byte/],
  ['a NUL byte at the end', Buffer.from('abcdefghijklmnop\0\n'), /holds a NUL byte/],
  ['a byte-order mark', Buffer.from('\uFEFFabcdefghijklmnop', 'utf8'), /starts with a byte-order mark/],
  ['invalid UTF-8 (a lone continuation byte)', Buffer.from([...Buffer.from('abcdefgh'), 0x80, ...Buffer.from('ijkl')]), /is not valid UTF-8/],
  ['invalid UTF-8 (Latin-1 é)', Buffer.from([...Buffer.from('caf'), 0xe9, ...Buffer.from('-abcdefgh')]), /is not valid UTF-8/],
  ['invalid UTF-8 (an overlong "/")', Buffer.from([...Buffer.from('abcdefgh'), 0xc0, 0xaf]), /is not valid UTF-8/],
  ['invalid UTF-8 (a surrogate)', Buffer.from([...Buffer.from('abcdefgh'), 0xed, 0xa0, 0x80]), /is not valid UTF-8/],
  ['invalid UTF-8 (a truncated sequence)', Buffer.from([...Buffer.from('abcdefgh'), 0xe2, 0x82]), /is not valid UTF-8/],
];

/** The placeholder sites the emitted StatefulSet passes to render-config.sh. */
export function renderSites(objects: K8sObject[], manager = 'gitlab-runner'): string[] {
  const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === manager);
  if (!sts) throw new Error(`no StatefulSet ${manager}`);
  const init = sts.spec.template.spec.initContainers.find((c: any) => c.name === 'render-config');
  return init.args.slice(3);
}

/** The shells the render script is tested under: the system's (dash, mawk) and busybox's (as in the alpine runner image). */
export type Shell = 'sh' | 'busybox';

/** Where busybox is looked for: each folder of PATH, then /usr/bin and /bin. */
export function busyboxCandidates(): string[] {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin', '/bin'];
  return [...new Set(dirs.map((d) => path.join(d, 'busybox')))];
}

/**
 * The busybox binary. The init scripts run under busybox sh and awk in the alpine images, so the
 * tests run them there too, on every machine: a missing busybox fails the run and says how to
 * get it, instead of skipping those tests.
 */
export function busyboxPath(candidates: string[] = busyboxCandidates()): string {
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error([
      `busybox not found (looked for ${candidates.join(', ')}).`,
      'The render and bucket-provisioning scripts are tested under busybox sh and awk, as in the alpine images that run them.',
      'Install it, then run npm test again: `sudo apt-get install busybox` (Debian, Ubuntu), `sudo dnf install busybox` (Fedora),',
      '`apk add busybox` (Alpine), or put a busybox binary on PATH. CI installs it in .ci/run.',
    ].join('\n'));
  }
  return found;
}

let busyboxDir: string | undefined;
/** A PATH holding only busybox applets, so the script sees exactly what the alpine image offers. */
function busyboxBin(): string {
  if (!busyboxDir) busyboxDir = busyboxBinWith(['sh', 'awk', 'sha256sum', 'cut', 'chmod', 'mv', 'rm', 'cat', 'printf', 'echo']);
  return busyboxDir;
}

/** A fresh folder holding only the given busybox applets, to use as PATH. */
export function busyboxBinWith(applets: string[]): string {
  const dir = tmpdir('busybox-');
  for (const applet of applets) fs.symlinkSync(busyboxPath(), path.join(dir, applet));
  return dir;
}

/** A node taint, effect in the Kubernetes spelling. */
export interface Taint { key: string; value: string; effect: string }

/**
 * The scheduler's rule, restated independently of the library: an empty key with `Exists`
 * tolerates every taint, `Exists` ignores the value, an empty effect matches every effect.
 */
export function tolerates(t: { key?: string; operator?: string; value?: string; effect?: string }, taint: Taint): boolean {
  const effectOk = !t.effect || t.effect === taint.effect;
  const keyOk = t.operator === 'Exists' ? (!t.key || t.key === taint.key) : t.key === taint.key;
  const valueOk = t.operator === 'Exists' || (t.value ?? '') === taint.value;
  return effectOk && keyOk && valueOk;
}

/** Every runner entry of every config.toml in the output, parsed with smol-toml. */
export function runnerEntries(objects: K8sObject[]): Array<{ owner: string; runner: any }> {
  return objects
    .filter((o) => o.kind === 'ConfigMap' && o.data?.['config.template.toml'])
    .flatMap((o) => (parse(o.data['config.template.toml']) as any).runners
      .map((runner: any) => ({ owner: `ConfigMap/${o.metadata.name} runner ${runner.name}`, runner })));
}

/**
 * Every toleration in the output: those of every pod template, and those every runner's build
 * pods get from config.toml's `node_tolerations` (`"key=value" = "Effect"`, `"key" = ""`) and
 * its `pod_spec` JSON patches.
 */
export function allTolerations(objects: K8sObject[]): Array<{ owner: string; toleration: { key?: string; operator?: string; value?: string; effect?: string } }> {
  const fromPods = podSpecs(objects).flatMap(({ owner, spec }) => (spec.tolerations ?? []).map((toleration: any) => ({ owner, toleration })));
  const fromRunners = runnerEntries(objects).flatMap(({ owner, runner }) =>
    Object.entries((runner.kubernetes.node_tolerations ?? {}) as Record<string, string>).map(([k, effect]) => {
      const [key, value] = k.includes('=') ? [k.slice(0, k.indexOf('=')), k.slice(k.indexOf('=') + 1)] : [k, undefined];
      return { owner, toleration: { key, operator: value === undefined ? 'Exists' : 'Equal', value, effect: effect || undefined } };
    }));
  // And every toleration a pod_spec patch adds, which the runner applies with the feature flag on
  // (counted whatever it replaces: a superset is the safe side for "nobody else tolerates").
  const fromPatches = runnerEntries(objects).filter(({ runner }) => runner.feature_flags?.FF_USE_ADVANCED_POD_SPEC_CONFIGURATION === true)
    .flatMap(({ owner, runner }) => (runner.kubernetes.pod_spec ?? []).filter((p: any) => p.patch_type === 'json')
      .flatMap((p: any) => JSON.parse(p.patch)).filter((op: any) => op.path === '/tolerations' || op.path === '/tolerations/-')
      .flatMap((op: any) => [op.value].flat().map((toleration: any) => ({ owner, toleration }))));
  return [...fromPods, ...fromRunners, ...fromPatches];
}

/** Every file of a folder, by relative path, as bytes (latin1, so any byte compares). */
export function readTree(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort()
    .map((f) => [f, fs.readFileSync(path.join(dir, f), 'latin1')]));
}

/**
 * The bad-input harness: builds a chart `stack` of a fresh App with `build`, synthesizes it into a
 * fresh folder, and returns the error (if any) and the files written (none, on an error).
 */
export function attemptSynth(build: (chart: Chart) => void): { error: Error | undefined; written: string[] } {
  const outdir = tmpdir();
  let error: Error | undefined;
  try {
    const app = new App({ outdir });
    build(new Chart(app, 'stack'));
    app.synth();
  } catch (e) {
    error = e as Error;
  }
  return { error, written: fs.readdirSync(outdir) };
}
