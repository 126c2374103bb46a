import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
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
    if (o.spec?.template?.spec) return [{ owner: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }];
    return [];
  });
}

export function tmpdir(prefix = 'cdk8s-gitlab-runner-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Runs the real render script (the one shipped in the ConfigMap) with /bin/sh, as the init
 * container does, over a template and a set of secret files. Returns the config directory.
 */
export function renderConfig(template: string, secrets: Record<string, string>, env: Record<string, string> = {}, shell: Shell = 'sh'): { dir: string; stderr: string; status: number } {
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
  const script = path.join(__dirname, '..', 'src', 'runner', 'render-config.sh');
  const [command, args, PATH] = shell === 'busybox'
    ? [busyboxPath()!, ['sh'], busyboxBin()]
    : ['/bin/sh', [], process.env.PATH];
  try {
    execFileSync(command, [...args, script, templateFile, configDir, secretsDir, ...Object.keys(secrets)], {
      env: { PATH, POD_NAME: 'gitlab-runner-0', ...env }, stdio: 'pipe',
    });
    return { dir: configDir, stderr: '', status: 0 };
  } catch (e: any) {
    return { dir: configDir, stderr: String(e.stderr), status: e.status };
  }
}

/** The shells the render script is tested under: the system's (dash, mawk) and busybox's (as in the alpine runner image). */
export type Shell = 'sh' | 'busybox';

export function busyboxPath(): string | undefined {
  return ['/usr/bin/busybox', '/bin/busybox'].find((p) => fs.existsSync(p));
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
  for (const applet of applets) fs.symlinkSync(busyboxPath()!, path.join(dir, applet));
  return dir;
}
