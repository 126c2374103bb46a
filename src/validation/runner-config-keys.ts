import { parse } from 'smol-toml';
import { checkTable, RUNNER_KEYS_VERSION } from '../runner/config/runner-keys';
import { Finding, ManifestObject, objectRef } from './finding';

// The runner-key check on synthesized manifests: the same key list and check as the synth's
// (src/runner/config/runner-keys.ts), so dist/, a Helm render or hand-edited manifests are held
// to what gitlab-runner itself reads.

/** Every config.toml key in a runner manager's ConfigMap is one gitlab-runner defines, with its TOML type. */
export function runnerConfigKeys(objects: readonly ManifestObject[]): Finding[] {
  return objects.filter((o) => o.kind === 'ConfigMap').flatMap((o) =>
    Object.entries(o.data ?? {}).filter(([file]) => file === 'config.toml' || file === 'config.template.toml').flatMap(([file, text]) => {
      let model: unknown;
      try {
        model = parse(text as string);
      } catch {
        // Not TOML: no runner config to check (beyond-schema and the runner itself report it).
        return [];
      }
      return checkTable('', model).map((p) => ({
        rule: 'runner-config-keys', object: objectRef(o), path: `data.${file}:${p.path.join('.')}`,
        message: typeof p.value === 'string' && p.path[p.path.length - 1] === p.value ? `key "${p.value}" ${p.message}` : `${p.path.join('.')} ${p.message}`,
        fix: `use a key gitlab-runner ${RUNNER_KEYS_VERSION} defines, with its TOML type (docs/runner-keys.md)`,
      }));
    }));
}
