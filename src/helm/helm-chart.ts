import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Document, isMap, isPair, isScalar, parse, Scalar, visit, YAMLSeq } from 'yaml';
import { describeValue } from '../common/errors';
import { HELM_HELPERS, Operand, RecordedRule, rulesOf } from '../common/rules';
import { concrete, conditionsOf, definitionOf, hasValues, helmFieldsOf, inHelmMode, itemKeyOf, markNumbers, numberTokenEntries, togglesOf, tokenKey, valueOf, Values, ValueDefinition, withoutConditions } from '../common/values';

/** Props of a {@link HelmChart}. */
export interface HelmChartProps {
  /** Chart name (Chart.yaml `name`), e.g. `gitlab-runner-stack`. */
  readonly name: string;
  /** Chart version (SemVer). */
  readonly version: string;
  /** Version of the main application, e.g. the GitLab Runner version. */
  readonly appVersion: string;
  /** One-line description. */
  readonly description: string;
  /**
   * Kubernetes versions the chart supports, a `>=` constraint. Refused when it admits versions
   * that lack an API the chart uses (e.g. `>=1.27.0-0` with a ValidatingAdmissionPolicy, GA in 1.30).
   * @default - the oldest version that serves every API the chart uses, at least '>=1.27.0-0'
   */
  readonly kubeVersion?: string;
  /**
   * NOTES.txt, shown after `helm install` (may use Helm templating).
   * @default - none
   */
  readonly notes?: string;
  /**
   * Extra README text after the values table.
   * @default - none
   */
  readonly readme?: string;
}

/**
 * Writes a cdk8s app as a Helm chart whose values are the {@link Values} bound to construct props.
 *
 * Tokens become `{{ .Values.… }}` typed for their place: `toJson` for strings (quoted, escaped),
 * `int` for whole numbers, raw inside config.toml text. Objects under a {@link Values.toggle} are
 * wrapped in `{{- if }}`. A literal `{{` in any string is escaped, so user text never runs as a
 * template. A pod template's `checksum/config` annotation becomes Helm's own hash of the
 * rendered ConfigMap of the same name, so `--set` of a config value rolls the pods.
 *
 * Every document is written for YAML 1.1 readers (Kubernetes, Helm): a string that would decode
 * as a boolean, number or null there (`off`, `y`, `0777`) is quoted. Rules over several props
 * that involve a value (src/common/rules.ts) become template `fail`s in `templates/validate.yaml`
 * with the synth's message. Bad chart props, value paths and values of another App are refused
 * before the folder is touched.
 *
 * @example
 * const app = new App();
 * new MyStack(app, 'stack'); // props bound with Values.of(scope).string() / .number()
 * HelmChart.synth(app, 'charts/my-stack', { name: 'my-stack', version: '0.1.0', appVersion: '18.9.0', description: 'CI runners' });
 */
export class HelmChart {
  /** Synthesizes `app` into `outdir` (the chart folder, replaced). */
  public static synth(app: App, outdir: string, props: HelmChartProps): void {
    new HelmChart(app, props).write(outdir);
  }

  private readonly values: Values;
  private kubeVersion = '>=1.27.0-0';

  private constructor(private readonly app: App, private readonly props: HelmChartProps) {
    checkChartProps(props);
    this.values = Values.of(app);
  }

  private write(outdir: string): void {
    // Everything is checked and rendered before the folder is touched.
    const templates = inHelmMode(this.app, () => this.templates());
    const values = this.values.all();
    const files = new Map<string, string>(templates.map(([file, text]) => [path.join('templates', file), text]));
    const rules = rulesOf(this.app);
    if (rules.length) {
      files.set(path.join('templates', 'validate.yaml'), this.rulesTemplate(rules));
      const helpers = [...new Set(rules.flatMap((r) => r.predicate.helpers ?? []))].sort();
      if (helpers.length) files.set(path.join('templates', '_cdk8s-gitlab-runner.tpl'), `${helpers.map((h) => HELM_HELPERS[h]).join('\n')}\n`);
    }
    files.set('Chart.yaml', this.chartYaml());
    files.set('values.yaml', valuesYaml(values));
    files.set('values.schema.json', `${JSON.stringify(valuesSchema(values), undefined, 2)}\n`);
    files.set('README.md', this.readme(values));
    if (this.props.notes) files.set(path.join('templates', 'NOTES.txt'), this.props.notes);
    files.set('.helmignore', '*.tgz\n');
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.mkdirSync(path.join(outdir, 'templates'), { recursive: true });
    for (const [file, text] of files) fs.writeFileSync(path.join(outdir, file), text);
  }

  /** Every object as a template file, in synth order. */
  private templates(): Array<[string, string]> {
    // cdk8s validations (App.synth runs them before writing; so do we).
    const errors = this.app.node.findAll().flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
    if (errors.length) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);

    const entries = this.app.charts.flatMap((chart) => objectsOf(chart));
    this.kubeVersion = kubeVersionFor(entries.map((e) => e.json), this.props.kubeVersion);
    const files = new Map<string, string>();
    const fileOf = (o: any) => `${o.kind.toLowerCase()}-${concrete(o.metadata.namespace ?? 'cluster')}-${concrete(o.metadata.name)}.yaml`;
    for (const { json } of entries) {
      const file = fileOf(json);
      if (files.has(file)) throw new Error(`two objects render to templates/${file}: ${json.kind} names must be unique per namespace`);
      files.set(file, '');
    }
    return entries.map(({ json, toggles }) => {
      const checksumSource = configMapFile(json, entries.map((e) => e.json), fileOf);
      return [fileOf(json), wrap(toggles, renderTemplate(this.values, asHelmHook(json), checksumSource))];
    });
  }

  /**
   * The rules over several props (src/common/rules.ts) as template `fail`s, so `helm template`
   * and `helm install` refuse what the synth refuses, with the synth's message.
   */
  private rulesTemplate(rules: readonly RecordedRule[]): string {
    const lines = ['{{- /* Rules the values schema cannot hold, from the same definitions as the TypeScript checks. */}}'];
    for (const rule of rules) {
      const exprs = rule.operands.map((o) => this.operandExpression(o));
      // Blame what the user set: a whole Helm value before a name made from one.
      const whole = (o: Operand) => valueOf(o.value) !== undefined;
      const blame = [whole, hasToken].map((f) => (f(rule.operands[rule.blame]) ? rule.blame : rule.operands.findIndex(f))).find((i) => i >= 0)!;
      const others = rule.operands.map((o, i) => ({ o, i })).filter(({ i }) => i !== blame);
      const blamed = rule.operands[blame];
      const args: string[] = [];
      const sentinel = (i: number) => `\u0000${i}\u0000`;
      const allowed = rule.allowed[blame](...others.map((_, i) => sentinel(i)));
      const texts = [this.operandText(blamed), ...others.map(({ o }) => ({ ...this.operandText(o), format: `${o.field} ${this.operandText(o).format}` }))];
      const format = `${(blamed.scope ?? rule.scope).node.path}: invalid ${blamed.field} \u0000T\u0000: ${allowed}`
        .replace(/%/g, '%%')
        .replace(/\u0000(T|\d+)\u0000/g, (_m, i) => {
          const t = i === 'T' ? texts[0] : texts[Number(i) + 1];
          args.push(...t.args);
          return t.format;
        });
      const broken = `not (${rule.predicate.helm(...exprs)})`;
      const toggles = [...new Set([rule.scope, ...rule.guards].flatMap((c) => togglesOf(c)))];
      const guard = toggles.length ? `and (${condition(toggles)}) (${broken})` : broken;
      lines.push(`{{- if ${guard} }}`, `{{- fail (printf ${JSON.stringify(format)} ${args.join(' ')}) }}`, '{{- end }}');
    }
    return `${lines.join('\n')}\n`;
  }

  /** A Go expression that yields an operand's value. */
  private operandExpression(o: Operand): string {
    const value = o.value;
    const def = valueOf(value);
    if (def) return `.Values.${this.ownPath(def)}`;
    if (typeof value === 'string' && hasValues(value)) {
      const args: string[] = [];
      const format = markNumbers(value).split(MARKER).map((part, i) => {
        if (i % 2 === 0) return part.replace(/%/g, '%%');
        args.push(`.Values.${this.ownPath(definitionOf(part)!)}`);
        return '%v';
      }).join('');
      return `(printf ${JSON.stringify(format)} ${args.join(' ')})`;
    }
    const c = concrete(value);
    // A list or map (a rule between a Helm value and a prop): decoded from its JSON.
    if (Array.isArray(c)) return `(${JSON.stringify(JSON.stringify(c))} | fromJsonArray)`;
    if (c !== null && typeof c === 'object') return `(${JSON.stringify(JSON.stringify(c))} | fromJson)`;
    return JSON.stringify(c);
  }

  /** The text of an operand's value in a message: a printf format piece and its arguments. */
  private operandText(o: Operand): { format: string; args: string[] } {
    const def = valueOf(o.value);
    if (!hasToken(o)) return { format: describeValue(o.unit === undefined ? o.value : `${concrete(o.value)}${o.unit}`).replace(/%/g, '%%'), args: [] };
    const expr = this.operandExpression(o);
    const shown = o.unit === undefined ? `(${expr} | toJson)` : `(printf "%v${o.unit}" ${expr} | toJson)`;
    return { format: def ? `%s (Helm value "${def.path}")` : '%s (with Helm values)', args: [shown] };
  }

  private ownPath(def: ValueDefinition): string {
    if (!this.values.owns(def)) throw new Error(`Helm value "${def.path}" belongs to another App: declare it with Values.of(scope) in this App`);
    return def.path;
  }

  private chartYaml(): string {
    return yaml11({
      apiVersion: 'v2',
      name: this.props.name,
      description: this.props.description,
      type: 'application',
      version: this.props.version,
      appVersion: this.props.appVersion,
      kubeVersion: this.kubeVersion,
      annotations: { 'generated-by': 'cdk8s-gitlab-runner' },
    }).toString({ lineWidth: 0 });
  }

  private readme(values: readonly ValueDefinition[]): string {
    const rows = values.map((v) => `| \`${v.path}\` | ${v.type} | \`${JSON.stringify(v.default)}\` | ${v.description.replace(/\|/g, '\\|')} |`);
    return [
      `# ${this.props.name}`, '', this.props.description, '',
      'Generated by cdk8s-gitlab-runner from the same TypeScript constructs as the plain manifests; do not edit by hand.',
      '', '## Values', '', '| value | type | default | description |', '|---|---|---|---|', ...rows, '',
      ...(this.props.readme ? [this.props.readme, ''] : []),
    ].join('\n');
  }
}

/** The ApiObjects of a chart in cdk8s's synth order, with their JSON and toggles. */
function objectsOf(chart: Chart): Array<{ json: any; toggles: string[] }> {
  const byKey = new Map<string, ApiObject>();
  const key = (apiVersion: string, kind: string, ns: string | undefined, name: string) => `${apiVersion}|${kind}|${ns ?? ''}|${name}`;
  for (const c of chart.node.findAll()) {
    if (c instanceof ApiObject) byKey.set(key(c.apiVersion, c.kind, c.metadata.namespace, c.name), c);
  }
  return chart.toJson().map((json: any) => {
    const owner = byKey.get(key(json.apiVersion, json.kind, json.metadata?.namespace, json.metadata?.name));
    // Map and list values, left out by the synth, back in their fields as tokens.
    // List entries in ascending index order, so each lands where it stood.
    const fields = [...(owner ? helmFieldsOf(owner) : [])].sort((a, b) => Number(!!a.insert) - Number(!!b.insert) || Number(a.path[a.path.length - 1]) - Number(b.path[b.path.length - 1]));
    for (const { path, token, insert } of fields) {
      let node = json;
      path.slice(0, -1).forEach((segment, i) => { node = node[segment] ??= (insert && i === path.length - 2 ? [] : {}); });
      if (insert) node.splice(Number(path[path.length - 1]), 0, token);
      else node[path[path.length - 1]] = token;
    }
    return { json, toggles: owner ? togglesOf(owner) : [] };
  });
}

/**
 * A Job's spec is immutable: as a plain release object, a changed Job would fail `helm upgrade`.
 * As a post-install/post-upgrade hook, deleted before its next run, it re-runs on every release.
 */
function asHelmHook(json: any): any {
  if (json.kind !== 'Job' || json.metadata?.annotations?.['helm.sh/hook']) return json;
  const annotations = { ...json.metadata.annotations, 'helm.sh/hook': 'post-install,post-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation' };
  return { ...json, metadata: { ...json.metadata, annotations } };
}

/** The template file of the ConfigMap whose hash a workload's `checksum/config` stands for. */
function configMapFile(json: any, all: any[], fileOf: (o: any) => string): string | undefined {
  if (!json.spec?.template?.metadata?.annotations?.['checksum/config']) return undefined;
  const cm = all.find((o) => o.kind === 'ConfigMap' && o.metadata.name === json.metadata.name && o.metadata.namespace === json.metadata.namespace);
  return cm ? fileOf(cm) : undefined;
}

function hasToken(o: Operand): boolean {
  return hasValues(o.value);
}

function wrap(toggles: string[], text: string): string {
  return toggles.length ? `{{- if ${condition(toggles)} }}\n${text}{{- end }}\n` : text;
}

function condition(toggles: readonly string[]): string {
  // A toggle may be a set of values of which one must be set (`a|b`, Values.when).
  const refs = toggles.map((t) => (t.includes('|') ? `(or ${t.split('|').map((p) => `.Values.${p}`).join(' ')})` : `.Values.${t}`));
  return refs.length === 1 ? refs[0].replace(/^\((.*)\)$/, '$1') : `and ${refs.join(' ')}`;
}

/** The Go expression of {@link conditionsOf}'s result: every group holds, one value of each set. */
function conditionExpression(conditions: readonly string[][]): string {
  const groups = [...new Set(conditions.map((paths) => [...new Set(paths)].join('|')))];
  return condition(groups);
}

const MARKER = /@@value:([a-zA-Z0-9.]+#\d+)@@/g;
const WHOLE_MARKER = /^@@value:([a-zA-Z0-9.]+#\d+)@@$/;

// Chart.yaml rules Helm enforces at lint and package time: SemVer 2 versions, and a name Helm
// can use as a folder and a release label.
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-((0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(\+([0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*))?$/;
const CHART_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

// The Kubernetes minor version that first serves an API (GA), for APIs newer than the 1.27 floor.
const API_SINCE: Record<string, number> = {
  'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy': 30,
  'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding': 30,
};

/** Chart.yaml `kubeVersion`: the oldest minor that serves every API of `objects`; a given one may not be older. */
function kubeVersionFor(objects: any[], given: string | undefined): string {
  const needed = Math.max(27, ...objects.map((o) => API_SINCE[`${o.apiVersion} ${o.kind}`] ?? 0));
  const why = objects.find((o) => API_SINCE[`${o.apiVersion} ${o.kind}`] === needed);
  if (given === undefined) return `>=1.${needed}.0-0`;
  const m = /^>=\s*v?1\.(\d+)(\.\d+)?(-0)?$/.exec(given);
  if (!m) throw new Error(`invalid Helm chart kubeVersion ${JSON.stringify(given)}: must be a ">=" constraint such as ">=1.${needed}.0-0"`);
  if (Number(m[1]) < needed) {
    throw new Error(`invalid Helm chart kubeVersion ${JSON.stringify(given)}: the chart holds ${why.apiVersion} ${why.kind} ${why.metadata?.name}, served from Kubernetes 1.${needed}: use ">=1.${needed}.0-0"`);
  }
  return given;
}

/** Refuses props Helm would refuse, before anything is rendered or written. */
function checkChartProps(props: HelmChartProps): void {
  if (typeof props.name !== 'string' || !CHART_NAME.test(props.name) || props.name.length > 63) {
    throw new Error(`invalid Helm chart name ${JSON.stringify(props.name)}: must be at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`);
  }
  if (typeof props.version !== 'string' || !SEMVER.test(props.version)) {
    throw new Error(`invalid Helm chart version ${JSON.stringify(props.version)}: must be a SemVer 2 version such as "1.2.3" or "1.2.3-rc.1"`);
  }
  if (typeof props.appVersion !== 'string' || props.appVersion.trim() === '') {
    throw new Error(`invalid Helm chart appVersion ${JSON.stringify(props.appVersion)}: must be a non-empty string such as "18.9.0"`);
  }
}

/** One object as a Helm template. */
function renderTemplate(values: Values, json: any, checksumSource: string | undefined): string {
  const own = (key: string): string => {
    const def = definitionOf(key);
    if (!def || !values.owns(def)) throw new Error(`Helm value "${key.split('#')[0]}" belongs to another App: declare it with Values.of(scope) in this App`);
    return def.path;
  };
  const numbers = new Map(numberTokenEntries().map(([n, def]) => [n, tokenKey(def)]));
  const types = new Map(values.all().map((v) => [v.path, v.type]));
  const expressions: string[] = [];
  const placeholder = (expr: string) => `__HELM_EXPRESSION_${expressions.push(expr) - 1}__`;
  const ref = (key: string) => `.Values.${own(key)}`;
  const integer = (key: string) => (types.get(own(key)) === 'integer' ? ' | int' : '');
  // Typed for the slot: a bare number where the object holds a number, a quoted string where it
  // holds a string (even for a number value, e.g. an environment variable).
  const asNumber = (p: string) => `{{ ${ref(p)}${integer(p)} }}`;
  const asString = (p: string) => `{{ ${ref(p)}${integer(p)} | toString | toJson }}`;
  // Inside a longer string of text (a TOML or JSON string): JSON-escaped without its quotes, so a
  // quote, a backslash or a line break in the value stays inside that string.
  const asEmbedded = (p: string) => (integer(p) ? asNumber(p) : `{{ ${ref(p)} | toString | toJson | trimPrefix "\\"" | trimSuffix "\\"" }}`);

  const doc = yaml11(json);
  // visit() walks the scalars it is given back: mark them so each is rewritten once.
  const done = new WeakSet<Scalar>();
  // Conditional list entries (src/common/values.ts whileSet): bracketed by placeholder entries
  // that become `{{- if }}` / `{{- end }}` lines at the list's indentation.
  // Innermost lists first: an entry takes the conditions of its own strings, not of a list inside.
  const entryConditions: string[] = [];
  const ranges: string[] = [];
  const seqs: Array<[YAMLSeq, unknown]> = [];
  visit(doc, { Seq: (_key, seq, path) => void seqs.push([seq, path[path.length - 1]]) });
  for (const [seq, parent] of seqs.reverse()) {
    const items: unknown[] = [];
    // Entries in a row under one condition share one `{{- if }}`.
    let open: string | undefined;
    for (const item of seq.items) {
      // A list value as an entry: one entry per item of the value, in its place.
      const whole = isScalar(item) && typeof item.value === 'string' ? WHOLE_MARKER.exec(markNumbers(item.value)) : null;
      if (whole && definitionOf(whole[1])?.type === 'array') {
        if (open !== undefined) items.push(new Scalar('__HELM_ENDIF__'));
        open = undefined;
        items.push(new Scalar(`__HELM_RANGE_${ranges.push(ref(whole[1])) - 1}__`));
        continue;
      }
      const conditions: string[][] = [];
      visit(item as Scalar, {
        Scalar(_k, node) {
          if (typeof node.value !== 'string') return;
          conditions.push(...conditionsOf(node.value));
          node.value = withoutConditions(node.value);
        },
      });
      const expression = conditions.length ? conditionExpression(conditions) : undefined;
      if (open !== undefined && expression !== open) items.push(new Scalar('__HELM_ENDIF__'));
      if (expression !== undefined && expression !== open) items.push(new Scalar(`__HELM_IF_${entryConditions.push(expression) - 1}__`));
      open = expression;
      items.push(item);
    }
    if (open !== undefined) items.push(new Scalar('__HELM_ENDIF__'));
    // Every entry under one condition: the field goes with them, as plain synth leaves it out.
    const ifs = items.filter((i): i is Scalar => isScalar(i) && /^__HELM_IF_\d+__$/.test(String(i.value)));
    if (ifs.length === 1 && items[0] === ifs[0] && isPair(parent) && isScalar(parent.key)) {
      parent.key = new Scalar(`${String(ifs[0].value).replace('_IF_', '_FIELD_IF_')}${String(parent.key.value)}`);
      items.shift();
    }
    seq.items = items;
  }
  const made = (value: string, type?: Scalar.Type) => {
    const s = new Scalar(value);
    if (type) s.type = type;
    done.add(s);
    return s;
  };
  // Map and list values, and optional ones, fill whole fields: written only when not empty
  // (`{{ with }}`), or spread into a map (extra pod labels) as one entry per line.
  const spreads: string[] = [];
  const wholeOptional = (node: unknown) => {
    if (!isScalar(node) || typeof node.value !== 'string') return undefined;
    const m = WHOLE_MARKER.exec(markNumbers(node.value));
    const def = m ? definitionOf(m[1]) : undefined;
    return def?.optional ? m![1] : undefined;
  };
  visit(doc, {
    Pair(_key, pair) {
      if (!isScalar(pair.key)) return undefined;
      const spread = wholeOptional(pair.key);
      if (spread) {
        pair.key = made(`__HELM_SPREAD_${spreads.push(ref(spread)) - 1}__`);
        pair.value = made('');
        return undefined;
      }
      // A map whose only entry is a spread is itself optional: written whole, or not at all.
      const only = isMap(pair.value) && pair.value.items.length === 1 ? wholeOptional(pair.value.items[0].key) : undefined;
      const whole = wholeOptional(pair.value) ?? only;
      if (!whole) return undefined;
      const def = definitionOf(whole)!;
      const itemKey = itemKeyOf(def);
      const text = itemKey !== undefined
        ? `[{{ range $i, $v := . }}{{ if $i }}, {{ end }}{{ dict ${JSON.stringify(itemKey)} $v | toJson }}{{ end }}]`
        : def.type === 'object' || def.type === 'array' ? '{{ toJson . }}' : `{{ .${integer(whole)} | toString | toJson }}`;
      pair.key = made(placeholder(`{{ with ${ref(whole)} }}${String(pair.key.value)}`));
      pair.value = made(placeholder(`${text}{{ end }}`));
      return undefined;
    },
  });
  visit(doc, {
    Scalar(_key, node) {
      if (done.has(node)) return undefined;
      const v = node.value;
      if (typeof v === 'number' && numbers.has(v)) {
        return made(placeholder(asNumber(numbers.get(v)!)));
      }
      if (typeof v !== 'string') return undefined;
      const marked = markNumbers(v);
      const whole = WHOLE_MARKER.exec(marked);
      if (whole) return made(placeholder(asString(whole[1])));
      if (marked.includes('\n')) {
        // Multi-line text (config.toml, scripts, JSON): a literal block whose markers become
        // inline actions: a quoted marker is a whole TOML/JSON string, any other one raw text.
        const text = escapeBraces(marked)
          .replace(/"@@value:([a-zA-Z0-9.]+#\d+)@@"/g, (_m, p) => asString(p))
          .replace(MARKER, (_m, p) => asEmbedded(p))
          .replace(/^@@if:([a-zA-Z0-9.,|]+)@@$/gm, (_m, t) => `{{- if ${condition(t.split(','))} }}`)
          .replace(/^@@endif@@$/gm, '{{- end }}')
          // A line holding a conditional string (a config.toml key): written while it holds.
          .split('\n').map((line) => {
            const conditions = conditionsOf(line);
            return conditions.length ? `{{- if ${conditionExpression(conditions)} }}\n${withoutConditions(line)}\n{{- end }}` : line;
          }).join('\n');
        return made(text, 'BLOCK_LITERAL');
      }
      if (MARKER.test(marked)) {
        MARKER.lastIndex = 0;
        // Text with values inside: printf over the literal parts.
        const args: string[] = [];
        const format = marked.split(MARKER).map((part, i) => {
          if (i % 2 === 1) {
            args.push(`(${ref(part)}${integer(part)} | toString)`);
            return '%s';
          }
          return part.replace(/%/g, '%%');
        }).join('');
        return made(placeholder(`{{ printf ${JSON.stringify(format)} ${args.join(' ')} | toJson }}`));
      }
      if (v.includes('{{')) return made(placeholder(`{{ ${JSON.stringify(v)} | toJson }}`));
      return undefined;
    },
  });
  if (checksumSource) {
    visit(doc, {
      Pair(_key, pair) {
        if (isScalar(pair.key) && pair.key.value === 'checksum/config' && isScalar(pair.value)) {
          pair.value = made(placeholder(`{{ include (print $.Template.BasePath "/${checksumSource}") . | sha256sum }}`));
        }
      },
    });
  }
  let text = doc.toString({ lineWidth: 0 });
  text = text.replace(/^( *)- __HELM_IF_(\d+)__$/gm, (_m, indent: string, i) => `${indent}{{- if ${entryConditions[Number(i)]} }}`);
  text = text.replace(/^( *)- __HELM_ENDIF__$/gm, (_m, indent: string) => `${indent}{{- end }}`);
  text = text.replace(/^( *)- __HELM_RANGE_(\d+)__$/gm, (_m, indent: string, i) => [
    `${indent}{{- range ${ranges[Number(i)]} }}`,
    `${indent}- {{ toJson . }}`,
    `${indent}{{- end }}`,
  ].join('\n'));
  text = text.replace(/^( *)__HELM_FIELD_IF_(\d+)__/gm, (_m, indent: string, i) => `${indent}{{- if ${entryConditions[Number(i)]} }}\n${indent}`);
  if (conditionsOf(text).length || /__HELM_(FIELD_IF_\d+|IF_\d+|ENDIF)__/.test(text)) {
    throw new Error(`a conditional string (whileSet) outside a list entry or a line of text in ${json.kind} ${concrete(json.metadata?.name)}: only list entries and lines can be left out`);
  }
  text = text.replace(/__HELM_EXPRESSION_(\d+)__/g, (_m, i) => expressions[Number(i)]);
  text = text.replace(/^( *)__HELM_SPREAD_(\d+)__:.*$/gm, (_m, indent: string, i) => [
    `${indent}{{- range $k, $v := ${spreads[Number(i)]} }}`,
    `${indent}{{ $k | toJson }}: {{ $v | toString | toJson }}`,
    `${indent}{{- end }}`,
  ].join('\n'));
  return text;
}

/**
 * A YAML document that writes for YAML 1.1 readers. Kubernetes and Helm decode YAML with go-yaml
 * v2, a YAML 1.1 parser: a plain `off`, `y` or `0777` is a boolean or a number there, so a string
 * field holding it is rejected (`MINIO_BROWSER: off`). Such strings are quoted.
 */
function yaml11(json: unknown): Document {
  // Without the merge tag, whose `<<` the writer would print bare even when asked to quote it.
  const doc = new Document(json, { version: '1.1', customTags: (tags) => tags.filter((t) => (t as { tag?: string }).tag !== 'tag:yaml.org,2002:merge') });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && !node.value.includes('\n') && decodesAsNonString(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc;
}

// What go-yaml v2 resolves beyond the yaml package's 1.1 schema: Go's ParseInt with base 0
// (`0o17`, `0b1`, `0x1F`, underscores), and the merge key.
const GO_YAML_NUMBER = /^[-+]?(0[oO][0-7_]+|0[bB][01_]+|0[xX][0-9a-fA-F_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|\.[0-9_]+([eE][-+]?[0-9]+)?)$/;

/**
 * Whether `s`, written as a plain scalar, would decode as anything but this string under YAML 1.1
 * (Kubernetes, Helm) or 1.2 (other tools): such a string must be quoted.
 */
export function decodesAsNonString(s: string): boolean {
  if (s === '' || s === '<<' || s === '=' || GO_YAML_NUMBER.test(s)) return true;
  try {
    // Silent: a string such as `!x` parses as an unknown tag, which only means it needs quotes.
    return parse(s, { version: '1.1', logLevel: 'silent' }) !== s || parse(s, { logLevel: 'silent' }) !== s;
  } catch {
    return true;
  }
}

/** `{{` in literal text is Helm syntax: print it through a string action instead. */
function escapeBraces(s: string): string {
  return s.replace(/\{\{/g, '{{ "{{" }}');
}

/** values.yaml: nested by path, each value with its description as a comment. */
function valuesYaml(values: readonly ValueDefinition[]): string {
  const tree: Record<string, any> = {};
  for (const v of values) {
    const segments = v.path.split('.');
    let node = tree;
    for (const s of segments.slice(0, -1)) node = node[s] ??= {};
    node[segments[segments.length - 1]] = v.default;
  }
  const doc = yaml11(tree);
  for (const v of values) {
    const segments = v.path.split('.');
    const parent = segments.length > 1 ? doc.getIn(segments.slice(0, -1)) : doc.contents;
    const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === segments[segments.length - 1]) : undefined;
    if (!pair || !isScalar(pair.key)) throw new Error(`values.yaml: no node for ${v.path}`);
    pair.key.commentBefore = ` ${v.description}`;
  }
  doc.commentBefore = ' Values of the chart, generated from the TypeScript props with their defaults.\n values.schema.json holds each value to the rule the synth holds the prop to.';
  return doc.toString({ lineWidth: 0 });
}

/** values.schema.json: types, the validators' keywords, every value required, nothing else allowed. */
function valuesSchema(values: readonly ValueDefinition[]): object {
  const root: any = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: {}, required: [], additionalProperties: false };
  for (const v of values) {
    const segments = v.path.split('.');
    let node = root;
    for (const s of segments.slice(0, -1)) {
      if (!node.properties[s]) {
        node.properties[s] = { type: 'object', properties: {}, required: [], additionalProperties: false };
        node.required.push(s);
      }
      node = node.properties[s];
    }
    const leaf = segments[segments.length - 1];
    // Bounds on every number: Helm's `int` wraps a float beyond int64 (`1e20` becomes negative),
    // and the synth holds numbers to what a double represents exactly.
    const bounds = v.type === 'integer' || v.type === 'number' ? { minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER } : {};
    node.properties[leaf] = { type: v.type, description: v.description, default: v.default, ...bounds, ...v.schema };
    node.required.push(leaf);
  }
  return root;
}
