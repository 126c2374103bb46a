import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { RUNNER_KEYS } from '../src/runner/config/runner-keys';

// Go is on every machine that runs the tests (the real-cluster tier builds with it): without it
// this fails, saying where it was looked for.
function goBinary(): string {
  for (const candidate of [process.env.GO, '/usr/local/go/bin/go', 'go']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['version'], { stdio: 'pipe' });
      return candidate;
    } catch {
      // next candidate
    }
  }
  throw new Error('Go not found ($GO, /usr/local/go/bin/go, go on PATH): the key-list generator test needs it');
}

describe('scripts/gen-runner-keys.go', () => {
  const root = path.join(__dirname, '..');
  const run = (...args: string[]) => JSON.parse(execFileSync(goBinary(), ['run', 'scripts/gen-runner-keys.go', ...args], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
  }).toString());

  test('GIVEN a miniature runner source WHEN generated THEN every shape of field is typed as the runner decodes it', () => {
    const out = run(path.join('test', 'fixtures', 'runner-src'));
    expect(out.source).toEqual({ module: 'gitlab.com/gitlab-org/gitlab-runner', version: 'v1.2.3' });
    expect(out.tables).toEqual({
      // toml:"-" and unexported fields are skipped; an untagged field keeps its Go name.
      '': { Untagged: 'string', concurrent: 'integer', runners: 'array-of-tables', timeout: 'duration' },
      // The embedded Credentials is inlined.
      'runners': {
        environment: 'array:string', feature_flags: 'map:boolean', kubernetes: 'table', name: 'string',
        obtained_at: 'datetime', referees: 'table', token: 'string', url: 'string',
      },
      'runners.kubernetes': {
        // UnmarshalTOML on a []string, UnmarshalText, a named int.
        mode: 'string', pull_policy: 'string|array:string', retry_limit: 'integer',
        named: 'map:table', ratio: 'float', settings: 'map:any', sizes: 'map:array:integer', volumes: 'array-of-tables',
      },
      'runners.kubernetes.named.*': { name: 'string' },
      'runners.kubernetes.volumes': { name: 'string' },
      // Another package of the module.
      'runners.referees': { metrics: 'table' },
      'runners.referees.metrics': { queries: 'array:string' },
    });
  });

  test('GIVEN -version THEN it is recorded instead of the VERSION file', () => {
    expect(run('-version', 'v9.9.9', path.join('test', 'fixtures', 'runner-src')).source.version).toBe('v9.9.9');
  });

  test('THEN the committed key list has the generator\'s shape', () => {
    const committed = JSON.parse(fs.readFileSync(path.join(root, 'src', 'runner', 'config', 'runner-keys.json'), 'utf8'));
    expect(committed.generatedBy).toBe('scripts/gen-runner-keys.go');
    expect(Object.keys(committed)).toEqual(['generatedBy', 'source', 'tables']);
    expect(RUNNER_KEYS.tables['runners.kubernetes'].namespace).toBe('string');
  });
});
