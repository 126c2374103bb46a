import { CREDENTIAL_NAME, CREDENTIAL_REFERENCE, isCredentialName, isLiteralCredential } from '../src/common/credentials';

// One definition of "a credential written as a literal": the library's env checks, the chart's
// extraEnv rule (the same patterns as RE2) and the importer's report use it.

describe('GIVEN variable names and values', () => {
  test.each([
    'DB_PASSWORD', 'db_password', 'AWS_SECRET_ACCESS_KEY', 'SSH_KEY', 'API_TOKEN', 'PASSWD', 'GITLAB_TOKEN',
  ])('WHEN the name is %s THEN it holds a credential', (name) => {
    expect(isCredentialName(name)).toBe(true);
  });

  test.each([
    'MONKEY', 'TOKENIZER', 'HOME', 'TZ', 'MINIO_ROOT_PASSWORD_FILE', 'SSH_KEY_PATH', 'GOOGLE_APPLICATION_CREDENTIALS', 'AWS_ACCESS_KEY_ID', 'VAULT_TOKEN_URL', 'SSL_CERT_DIR',
  ])('WHEN the name is %s THEN it does not (a word inside another, or a name that points at one)', (name) => {
    expect(isCredentialName(name)).toBe(false);
  });

  test('WHEN a value is a token or a private key THEN it is a literal credential whatever its name; an empty value never is', () => {
    expect(isLiteralCredential('ANYTHING', 'glrt-abc')).toBe(true);
    expect(isLiteralCredential('ANYTHING', '-----BEGIN RSA PRIVATE KEY-----')).toBe(true);
    expect(isLiteralCredential('DB_PASSWORD', '')).toBe(false);
    expect(isLiteralCredential('TZ', 'UTC')).toBe(false);
  });

  test('THEN the patterns are RE2 too: no lookaround or backreference the chart\'s Go templates could not run', () => {
    for (const re of [CREDENTIAL_NAME, CREDENTIAL_REFERENCE]) expect(re.source).not.toMatch(/\(\?[=!<]|\\[1-9]/);
  });
});
