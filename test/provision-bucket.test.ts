import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CacheCredentials, GitLabRunnerManager, MinioCache, MinioCacheProps, MINIO_START_SCRIPT } from '../src';
import { busyboxBinWith, busyboxPath, K8sObject, SECRET_VALUE_CASES, Shell, synth, tmpdir } from './helpers';

const SCRIPT = path.join(__dirname, '..', 'src', 'cache', 'provision-bucket.sh');

/** A cache stack's provisioning Job and its ConfigMap, as synthesized. */
function provisioning(props: Partial<MinioCacheProps> = {}): { job: K8sObject; config: Record<string, string> } {
  const objects = synth((chart) => {
    const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
    const cache = new MinioCache(chart, 'cache', {
      rootCredentials: CacheCredentials.fromSecret('minio-root'),
      cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
      ...props,
    });
    manager.addRunner('default', { token: { secretName: 'runner-token' } }).useCache(cache);
  });
  return {
    job: objects.find((o) => o.kind === 'Job')!,
    config: objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'minio-provision')!.data,
  };
}

// A stand-in for the mc client: logs every call and what it read on stdin; `mc ready` succeeds
// from the FAKE_MC_READY_AFTER-th call, or, with FAKE_MC_READY_HANGS, retries without end as the
// real one does while MinIO is unreachable; the command named by FAKE_MC_FAIL fails.
const FAKE_MC = `#!/bin/sh
PATH=/usr/bin:/bin
log="$FAKE_MC_LOG"
printf 'mc %s\\n' "$*" >> "$log"
case "$1 $2" in
  "alias set"|"admin user"|"ilm import") printf 'stdin %s\\n' "$(cat | tr '\\n' '|')" >> "$log" ;;
esac
if [ "$1" = ready ] && [ -n "\${FAKE_MC_READY_HANGS:-}" ]; then
  while :; do sleep 1; done
fi
if [ "$1" = ready ]; then
  n=$(cat "$log.ready" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$log.ready"
  [ "$n" -ge "\${FAKE_MC_READY_AFTER:-1}" ] || exit 1
fi
if [ "$1 $2" = "\${FAKE_MC_FAIL:-}" ]; then echo "mc: $1 $2 failed" >&2; exit 1; fi
echo "mc: ok"
`;

interface Run { status: number; stdout: string; stderr: string; calls: string[] }

const SECRETS: Record<string, string | Buffer> = { 'root-user': 'minio-admin\n', 'root-password': 'r00t-Passw0rd\n', 'cache-accesskey': 'gitlab-runner', 'cache-secretkey': 'cache-S3cret-Key\n' };

/** Runs the real script the way the Job does (config and secret folders, the Job's env) against the fake mc. */
function run(shell: Shell, job: K8sObject, config: Record<string, string>, secrets: Record<string, string | Buffer> = SECRETS, env: Record<string, string> = {}): Run {
  const work = tmpdir();
  const configDir = path.join(work, 'config');
  const secretsDir = path.join(work, 'secrets');
  const fakeDir = path.join(work, 'bin');
  for (const dir of [configDir, secretsDir, fakeDir]) fs.mkdirSync(dir);
  for (const [name, value] of Object.entries(config)) fs.writeFileSync(path.join(configDir, name), value);
  for (const [name, value] of Object.entries(secrets)) fs.writeFileSync(path.join(secretsDir, name), value);
  fs.writeFileSync(path.join(fakeDir, 'mc'), FAKE_MC, { mode: 0o755 });
  const log = path.join(work, 'mc.log');
  fs.writeFileSync(log, '');
  const jobEnv = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
  // Under busybox, PATH holds only the commands the mc image is known to have besides mc.
  const [command, args, PATH] = shell === 'busybox'
    ? [busyboxPath(), ['sh'], `${fakeDir}:${busyboxBinWith(['sh', 'cat', 'sleep'])}`]
    : ['/bin/sh', [], `${fakeDir}:/usr/bin:/bin`];
  let result: Omit<Run, 'calls'>;
  try {
    const stdout = execFileSync(command, [...args, path.join(configDir, 'provision-bucket.sh'), configDir, secretsDir], {
      env: { ...jobEnv, PATH, FAKE_MC_LOG: log, READY_INTERVAL: '0', ...env }, stdio: 'pipe',
      // A bound, not a timing assertion: a script that hangs is killed and fails the test.
      timeout: 60_000,
    }).toString();
    result = { status: 0, stdout, stderr: '' };
  } catch (e: any) {
    result = { status: e.status, stdout: String(e.stdout), stderr: String(e.stderr) };
  }
  return { ...result, calls: fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

// Both shells on every machine: without busybox this throws, saying how to install it.
busyboxPath();
const shells: Shell[] = ['sh', 'busybox'];

describe.each(shells)('provision-bucket.sh (the provisioning Job) run with the real %s against a stand-in mc', (shell) => {
  const { job, config } = provisioning();

  test('THEN the script in the ConfigMap is the shipped one', () => {
    expect(config['provision-bucket.sh']).toBe(fs.readFileSync(SCRIPT, 'utf8'));
    expect(config['secret-value.sh']).toBe(fs.readFileSync(path.join(__dirname, '..', 'src', 'common', 'secret-value.sh'), 'utf8'));
  });

  test('GIVEN MinIO ready on the third check WHEN run THEN it provisions bucket, expiry, versioning, policy and user, in order', () => {
    const out = run(shell, job, config, SECRETS, { FAKE_MC_READY_AFTER: '3' });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const lifecycle = config['lifecycle.json'].replace(/\n/g, '|');
    expect(out.calls).toEqual([
      'mc alias set cache http://minio.gitlab-runner-cache.svc.cluster.local:9000 --api S3v4 --path on',
      'stdin minio-admin|r00t-Passw0rd|',
      'mc ready cache',
      'mc ready cache',
      'mc ready cache',
      'mc mb --ignore-existing cache/gitlab-runner-cache',
      'mc version suspend cache/gitlab-runner-cache',
      'mc ilm import cache/gitlab-runner-cache',
      `stdin ${lifecycle}`,
      'mc quota clear cache/gitlab-runner-cache',
      expect.stringMatching(/^mc admin policy create cache gitlab-runner-cache-readwrite \/.*\/config\/policy\.json$/),
      'mc admin user add cache',
      'stdin gitlab-runner|cache-S3cret-Key|',
      'mc admin policy attach cache gitlab-runner-cache-readwrite --user gitlab-runner',
    ]);
    expect(out.stdout).toContain('provision-bucket: bucket gitlab-runner-cache is ready; user gitlab-runner has policy gitlab-runner-cache-readwrite');
  });

  test('THEN secret values reach mc on stdin only, never on a command line or in the output', () => {
    const out = run(shell, job, config);
    const commandLines = out.calls.filter((c) => c.startsWith('mc ')).join('\n');
    for (const secret of ['r00t-Passw0rd', 'cache-S3cret-Key', 'minio-admin']) {
      expect(commandLines).not.toContain(secret);
      expect(out.stdout + out.stderr).not.toContain(secret);
    }
  });

  test('GIVEN a quota WHEN run THEN it sets it in bytes instead of clearing it', () => {
    const withQuota = provisioning({ quota: '50Gi' });
    const out = run(shell, withQuota.job, withQuota.config);
    expect(out.calls).toContain('mc quota set cache/gitlab-runner-cache --size 53687091200');
    expect(out.calls).not.toContain('mc quota clear cache/gitlab-runner-cache');
  });

  test('GIVEN MinIO never ready THEN it gives up after READY_ATTEMPTS and touches nothing', () => {
    const out = run(shell, job, config, SECRETS, { FAKE_MC_READY_AFTER: '99', READY_ATTEMPTS: '2' });
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('provision-bucket: MinIO at http://minio.gitlab-runner-cache.svc.cluster.local:9000 is not ready after 2 attempts');
    expect(out.calls.filter((c) => c.startsWith('mc ') && !c.startsWith('mc alias') && !c.startsWith('mc ready'))).toEqual([]);
  });

  test('GIVEN MinIO unreachable and `mc ready` retrying without end (as the real mc does) THEN each check is cut off and it gives up after READY_ATTEMPTS', () => {
    const out = run(shell, job, config, SECRETS, { FAKE_MC_READY_HANGS: '1', READY_ATTEMPTS: '2', READY_TIMEOUT: '1' });
    expect(out.stderr).toContain('provision-bucket: MinIO at http://minio.gitlab-runner-cache.svc.cluster.local:9000 is not ready after 2 attempts');
    expect(out.status).toBe(1);
    expect(out.calls.filter((c) => c.startsWith('mc ready'))).toEqual(['mc ready cache', 'mc ready cache']);
  });

  test('GIVEN an mc command that fails THEN the script stops there', () => {
    const out = run(shell, job, config, SECRETS, { FAKE_MC_FAIL: 'version suspend' });
    expect(out.status).not.toBe(0);
    expect(out.calls[out.calls.length - 1]).toBe('mc version suspend cache/gitlab-runner-cache');
  });

  test.each([
    ['an empty root password', { 'root-password': ' \n' }, 'secret root-password is empty\nprovision-bucket: refusing secret root-password (see above)'],
    ['a short cache secret key', { 'cache-secretkey': 'short' }, 'provision-bucket: secret cache-secretkey is shorter than 8 characters (MinIO\'s minimum)'],
    ['the root user as the cache access key', { 'cache-accesskey': 'minio-admin' }, 'provision-bucket: the cache access key is MinIO\'s root user: runners must get their own user'],
  ])('GIVEN %s THEN it fails before calling mc', (_name, override, message) => {
    const out = run(shell, job, config, { ...SECRETS, ...override });
    expect(out.status).not.toBe(0);
    expect(out.stderr.trim()).toBe(message);
    expect(out.calls).toEqual([]);
  });

  // What secret-value.sh refuses, provision-bucket.sh refuses (config-toml.test.ts: the same
  // table for render-config.sh), in every secret file; a NUL used to be dropped on the way to mc.
  describe.each(['cache-secretkey', 'root-password'])('in %s', (file) => {
    test.each(SECRET_VALUE_CASES)('GIVEN %s THEN it fails before calling mc, naming the file', (_name, value, message) => {
      const out = run(shell, job, config, { ...SECRETS, [file]: value });
      expect(out.status).not.toBe(0);
      expect(out.stderr).toMatch(new RegExp(`^secret ${file} ${message.source}`));
      expect(out.calls).toEqual([]);
    });
  });

  test('GIVEN a UTF-8 secret key THEN it reaches mc unchanged (the refusals above are not vacuous)', () => {
    const out = run(shell, job, config, { ...SECRETS, 'cache-secretkey': 'clé-€-😀-secret\n' });
    expect(out.stderr).toBe('');
    expect(out.calls).toContain('stdin gitlab-runner|clé-€-😀-secret|');
  });

  test('GIVEN a missing secret file THEN it fails naming it', () => {
    const { 'cache-accesskey': _, ...rest } = SECRETS;
    const out = run(shell, job, config, rest);
    expect(out.stderr).toMatch(/^secret cache-accesskey is missing/);
    expect(out.status).not.toBe(0);
  });
});

describe.each(shells)('MinIO start script run with the real %s', (shell) => {
  function start(files: Record<string, string | undefined>): { status: number; stdout: string; stderr: string } {
    const work = tmpdir();
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'minio'), '#!/bin/sh\necho "minio $*"\n', { mode: 0o755 });
    for (const [name, value] of Object.entries(files)) if (value !== undefined) fs.writeFileSync(path.join(work, name), value);
    const [command, args, PATH] = shell === 'busybox'
      ? [busyboxPath(), ['sh'], `${bin}:${busyboxBinWith(['sh', 'cat'])}`]
      : ['/bin/sh', [], `${bin}:/usr/bin:/bin`];
    try {
      const stdout = execFileSync(command, [...args, '-c', MINIO_START_SCRIPT, 'minio', 'server', '/data'], {
        env: { PATH, MINIO_ROOT_USER_FILE: path.join(work, 'user'), MINIO_ROOT_PASSWORD_FILE: path.join(work, 'password') }, stdio: 'pipe',
      }).toString();
      return { status: 0, stdout, stderr: '' };
    } catch (e: any) {
      return { status: e.status, stdout: String(e.stdout), stderr: String(e.stderr) };
    }
  }

  test('GIVEN both credential files THEN it execs minio with its arguments', () => {
    expect(start({ user: 'admin\n', password: 'password1\n' })).toEqual({ status: 0, stdout: 'minio server /data\n', stderr: '' });
  });

  test.each([
    ['an empty password file', { user: 'admin', password: '' }],
    ['a whitespace-only user file', { user: ' \n', password: 'password1' }],
    ['a missing password file', { user: 'admin', password: undefined }],
  ])('GIVEN %s THEN it refuses to start (MinIO would fall back to its default credentials)', (_name, files) => {
    const out = start(files);
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^minio: .* is missing or empty: refusing to start with default credentials\n$/);
  });
});
