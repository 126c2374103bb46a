import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'smol-toml';
import { AzureCache, AzureCacheProps, fromToml, GcsCache, GcsCacheProps, GitLabRunnerManager, IRunnerCache, S3Cache, S3CacheProps } from '../src';
import { checkTable } from '../src/runner/config/runner-keys';
import { find, K8sObject, renderConfig, renderSites, synth } from './helpers';
import { validateSchema } from './schema';

/** A manager with one runner wired to the cache `make` builds. */
function wired(make: (chart: any) => IRunnerCache): K8sObject[] {
  return synth((chart) => {
    const m = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
    m.addRunner('default', { token: { secretName: 'runner-token' } }).useCache(make(chart));
  });
}
const templateOf = (objects: K8sObject[]) => find(objects, 'ConfigMap', 'gitlab-runner', 'gitlab-runner').data['config.template.toml'] as string;
const cacheOf = (objects: K8sObject[]) => fromToml(templateOf(objects)).runners[0].cache;
const managerPod = (objects: K8sObject[]) => find(objects, 'StatefulSet', 'gitlab-runner', 'gitlab-runner').spec.template.spec;

describe('Azure Blob cache', () => {
  describe('GIVEN an account key from a Secret', () => {
    const objects = wired((chart) => new AzureCache(chart, 'cache', { accountName: 'runnercache', containerName: 'runner-cache', accountKey: { secretName: 'azure-cache-key' } }));

    test('WHEN synthesized THEN the manifests match the snapshot and validate', () => {
      expect(objects).toMatchSnapshot();
      for (const o of objects) expect(() => validateSchema(o)).not.toThrow();
    });

    test('THEN [runners.cache.azure] holds a placeholder for the key, never the key', () => {
      expect(cacheOf(objects)).toEqual({
        Type: 'azure', Path: 'runner', Shared: true,
        azure: { AccountName: 'runnercache', AccountKey: '@@secret:azure-cache-key/accountkey@@', ContainerName: 'runner-cache' },
      });
      expect(checkTable('', parse(templateOf(objects)))).toEqual([]);
    });

    test('THEN the init container fills the key in at its site, from the Secret mounted there', () => {
      const sites = renderSites(objects);
      expect(sites).toContain('runners.cache.azure.AccountKey=azure-cache-key/accountkey');
      const out = renderConfig(templateOf(objects), { 'runner-token/runner-token': 'glrt-abc', 'azure-cache-key/accountkey': 'c2VjcmV0a2V5PT0=\n' }, {}, 'sh', sites);
      expect(out.stderr).toBe('');
      const rendered = parse(fs.readFileSync(path.join(out.dir, 'config.toml'), 'utf8')) as any;
      expect(rendered.runners[0].cache.azure.AccountKey).toBe('c2VjcmV0a2V5PT0=');
      const projected = managerPod(objects).volumes.find((vol: any) => vol.name === 'runner-secrets').projected.sources;
      expect(projected).toContainEqual({ secret: { name: 'azure-cache-key', optional: true, items: [{ key: 'accountkey', path: 'azure-cache-key/accountkey' }] } });
    });
  });

  test('GIVEN no account key and a storage domain THEN the manager\'s identity signs, for that domain', () => {
    const objects = wired((chart) => new AzureCache(chart, 'cache', { accountName: 'runnercache', containerName: 'runner-cache', storageDomain: 'blob.core.chinacloudapi.cn', path: 'ci', shared: false }));
    expect(cacheOf(objects)).toEqual({
      Type: 'azure', Path: 'ci', Shared: false,
      azure: { AccountName: 'runnercache', ContainerName: 'runner-cache', StorageDomain: 'blob.core.chinacloudapi.cn' },
    });
    expect(templateOf(objects)).not.toContain('AccountKey');
  });

  const good: AzureCacheProps = { accountName: 'runnercache', containerName: 'runner-cache' };
  test.each<[string, Partial<AzureCacheProps> | any, string]>([
    ['an account name with capitals', { accountName: 'RunnerCache' }, 'test/cache: invalid accountName "RunnerCache": must be an Azure storage account name: 3-24 lowercase letters and digits'],
    ['an account name too short', { accountName: 'ab' }, 'invalid accountName "ab": must be an Azure storage account name'],
    ['an account name too long', { accountName: 'a'.repeat(25) }, 'must be an Azure storage account name: 3-24'],
    ['an account name with "-"', { accountName: 'runner-cache' }, 'invalid accountName "runner-cache"'],
    ['a container name with "--"', { containerName: 'runner--cache' }, 'invalid containerName "runner--cache": must be an Azure blob container name: 3-63 lowercase letters, digits and "-", starting and ending with a letter or digit, without "--"'],
    ['a container name ending in "-"', { containerName: 'runner-' }, 'invalid containerName "runner-"'],
    ['a container name too short', { containerName: 'rc' }, 'invalid containerName "rc"'],
    ['a container name too long', { containerName: 'a'.repeat(64) }, 'must be an Azure blob container name'],
    ['a storage domain with a scheme', { storageDomain: 'https://blob.core.windows.net' }, 'invalid storageDomain "https://blob.core.windows.net": must be a DNS domain without a scheme'],
    ['a literal account key', { accountKey: 'c2VjcmV0a2V5PT0=' }, 'invalid accountKey "c2Vjc****": a literal secret would be written to dist/'],
    ['a bad Secret key name', { accountKey: { secretName: 'k', key: 'a key' } }, 'invalid accountKey.key "a key"'],
  ])('GIVEN %s THEN a ConfigError says what is allowed', (_what, extra, message) => {
    expect(() => wired((chart) => new AzureCache(chart, 'cache', { ...good, ...extra }))).toThrow(message);
  });
});

describe('GCS cache with a key file', () => {
  const objects = wired((chart) => new GcsCache(chart, 'cache', { bucketName: 'acme-ci-cache', credentialsFile: { secretName: 'gcs-cache-key' } }));

  test('WHEN synthesized THEN the manifests match the snapshot and validate', () => {
    expect(objects).toMatchSnapshot();
    for (const o of objects) expect(() => validateSchema(o)).not.toThrow();
  });

  test('THEN CredentialsFile points at the Secret key mounted read-only into the manager container', () => {
    const pod = managerPod(objects);
    expect(cacheOf(objects)).toEqual({
      Type: 'gcs', Path: 'runner', Shared: true,
      gcs: { BucketName: 'acme-ci-cache', CredentialsFile: '/run/secrets/gitlab-runner-files/gcs-cache-key/key.json' },
    });
    const runner = pod.containers.find((c: any) => c.name === 'gitlab-runner');
    expect(runner.volumeMounts).toContainEqual({ name: 'runner-files', mountPath: '/run/secrets/gitlab-runner-files', readOnly: true });
    expect(pod.volumes.find((vol: any) => vol.name === 'runner-files')).toEqual({
      name: 'runner-files',
      projected: { defaultMode: 0o440, sources: [{ secret: { name: 'gcs-cache-key', optional: true, items: [{ key: 'key.json', path: 'gcs-cache-key/key.json' }] } }] },
    });
    // The key file never enters config.toml or the init container.
    expect(renderSites(objects)).toEqual(['runners.token=runner-token/runner-token']);
  });

  test('GIVEN no key file THEN the manager container mounts no Secret', () => {
    const keyless = wired((chart) => new GcsCache(chart, 'cache', { bucketName: 'acme-ci-cache' }));
    expect(managerPod(keyless).volumes.map((vol: any) => vol.name)).not.toContain('runner-files');
  });

  test.each<[string, Partial<GcsCacheProps> | any, string]>([
    ['a literal key', { credentialsFile: '{"type": "service_account"}' }, 'invalid credentialsFile "{\\"typ****": a literal secret would be written to dist/'],
    ['a bad Secret name', { credentialsFile: { secretName: 'Bad_Name' } }, 'invalid credentialsFile.secretName "Bad_Name"'],
  ])('GIVEN %s THEN a ConfigError says what is allowed', (_what, extra, message) => {
    expect(() => wired((chart) => new GcsCache(chart, 'cache', { bucketName: 'acme-ci-cache', ...extra }))).toThrow(message);
  });
});

describe('S3 cache with server-side encryption', () => {
  const base: S3CacheProps = { bucketName: 'acme-ci-cache', region: 'eu-west-1' };

  test.each<[string, S3CacheProps['serverSideEncryption'], Record<string, string>]>([
    ['SSE-S3', { type: 'S3' }, { ServerSideEncryption: 'S3' }],
    ['SSE-KMS with an alias', { type: 'KMS', kmsKeyId: 'alias/runner-cache' }, { ServerSideEncryption: 'KMS', ServerSideEncryptionKeyID: 'alias/runner-cache' }],
    ['DSSE-KMS with a key ARN', { type: 'DSSE-KMS', kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      { ServerSideEncryption: 'DSSE-KMS', ServerSideEncryptionKeyID: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
  ])('GIVEN %s THEN [runners.cache.s3] asks for it', (_what, sse, expected) => {
    const objects = wired((chart) => new S3Cache(chart, 'cache', { ...base, serverSideEncryption: sse }));
    expect(cacheOf(objects)?.s3).toEqual({ ServerAddress: 's3.amazonaws.com', BucketName: 'acme-ci-cache', BucketLocation: 'eu-west-1', Insecure: false, AuthenticationType: 'iam', ...expected });
    expect(checkTable('', parse(templateOf(objects)))).toEqual([]);
  });

  test.each<[string, any, string]>([
    ['an unknown type', { type: 'AES256' }, 'test/cache: invalid serverSideEncryption.type "AES256": must be one of'],
    ['KMS without a key', { type: 'KMS' }, 'invalid serverSideEncryption.kmsKeyId (missing): is required with type "KMS"'],
    ['S3 with a key', { type: 'S3', kmsKeyId: 'alias/x' }, 'invalid serverSideEncryption.kmsKeyId "alias/x": must be unset with type "S3"'],
    ['a key that is no KMS key reference', { type: 'KMS', kmsKeyId: 'my key' }, 'invalid serverSideEncryption.kmsKeyId "my key": must be a KMS key id'],
    ['an ARN of another service', { type: 'KMS', kmsKeyId: 'arn:aws:s3:::acme-ci-cache' }, 'must be a KMS key id'],
    ['not an object', 'KMS', 'invalid serverSideEncryption "KMS": must be { type: "S3" }'],
  ])('GIVEN %s THEN a ConfigError says what is allowed', (_what, sse, message) => {
    expect(() => wired((chart) => new S3Cache(chart, 'cache', { ...base, serverSideEncryption: sse }))).toThrow(message);
  });
});
