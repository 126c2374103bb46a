// Third-party policy checks over synthesized objects with @monokle/validation: its Pod Security
// Standards plugin with the "restricted" rules switched on (Monokle ships them off), and its
// Kubernetes best-practice plugin. Offline: only built-in plugins load, no schema is downloaded.
import {
  AnnotationSuppressor, DefaultPluginLoader, DisabledFixer, MonokleValidator, ResourceParser, SchemaLoader,
} from '@monokle/validation';
import YAML from 'yaml';

/** Monokle's restricted-level Pod Security rules, off by default there. */
const RESTRICTED_RULES = [
  'volume-types', 'privilege-escalation', 'running-as-non-root', 'running-as-non-root-user',
  'seccomp-strict', 'capabilities-strict',
];

/**
 * Findings accepted on purpose, matched by rule, kind and `app.kubernetes.io/component`, each
 * with the reason. Any other finding fails validation.
 */
export const ACCEPTED = [
  { rule: 'KBP104', kind: 'StatefulSet', component: 'manager', why: 'runs as the gitlab-runner image\'s own unprivileged user, uid 100 (as the official chart does)' },
  { rule: 'KBP107', kind: 'Role', component: 'build', why: 'the Kubernetes executor creates build pods; the Role is confined to the build namespace' },
  { rule: 'KBP108', kind: 'Role', component: 'build', why: 'the executor runs job scripts through pods/exec and pods/attach, in the build namespace only' },
];

let validator;
async function load() {
  if (!validator) {
    validator = new MonokleValidator({
      loader: new DefaultPluginLoader(),
      parser: new ResourceParser(),
      schemaLoader: new SchemaLoader(),
      suppressors: [new AnnotationSuppressor()],
      fixer: new DisabledFixer(),
    });
    await validator.preload({
      plugins: { 'pod-security-standards': true, practices: true },
      rules: Object.fromEntries(RESTRICTED_RULES.map((r) => [`pod-security-standards/${r}`, 'err'])),
    });
  }
  return validator;
}

/**
 * Validates objects. Pod Security rules skip objects in `privilegedNamespaces` (where privileged
 * build pods are meant to run). Returns every finding, with the reason where it is accepted.
 */
export async function monokleFindings(objects, { privilegedNamespaces = [] } = {}) {
  const resources = objects.map((content, i) => ({
    id: `r${i}`,
    fileId: 'synth',
    filePath: 'synth.yaml',
    fileOffset: 0,
    name: content.metadata?.name,
    apiVersion: content.apiVersion,
    kind: content.kind,
    namespace: content.metadata?.namespace,
    content,
    text: YAML.stringify(content),
  }));
  const byId = new Map(resources.map((r) => [r.id, r.content]));
  const response = await (await load()).validate({ resources });
  const findings = [];
  for (const result of response.runs.flatMap((run) => run.results)) {
    const location = result.locations?.[1];
    const o = byId.get(location?.physicalLocation?.artifactLocation?.uri);
    if (!o) throw new Error(`monokle reported ${result.ruleId} on an unknown resource`);
    if (result.ruleId.startsWith('PSS') && privilegedNamespaces.includes(o.metadata?.namespace)) continue;
    const accepted = ACCEPTED.find((a) => a.rule === result.ruleId && a.kind === o.kind
      && a.component === o.metadata?.labels?.['app.kubernetes.io/component']);
    findings.push({
      rule: result.ruleId,
      object: `${o.kind} ${o.metadata?.namespace ?? '-'}/${o.metadata?.name}`,
      path: location?.logicalLocations?.[1]?.fullyQualifiedName,
      message: result.message.text,
      ...(accepted ? { accepted: accepted.why } : {}),
    });
  }
  return findings;
}

// CLI for tests and scripts: `node src/validation/monokle.mjs [--privileged ns,…] < objects.json`
// prints the findings as JSON.
if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--privileged');
  const privilegedNamespaces = i > 0 ? process.argv[i + 1].split(',') : [];
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const findings = await monokleFindings(JSON.parse(Buffer.concat(chunks).toString('utf8')), { privilegedNamespaces });
  process.stdout.write(JSON.stringify(findings));
}
