// Naming rules of the cloud stores the caches name, checked at synth and recorded in a Helm
// value's schema (v.pattern), so `helm install --set` is held to the same rule.
import { IConstruct } from 'constructs';
import { invalid } from '../common/errors';
import * as v from '../common/validate';

// Azure storage account names: 3-24 lowercase letters and digits (learn.microsoft.com, "Storage
// account name").
const AZURE_ACCOUNT = /^[a-z0-9]{3,24}$/;
// Azure blob container names: 3-63 lowercase letters, digits and "-", starting and ending with a
// letter or digit, no "--" (learn.microsoft.com, "Naming and referencing containers").
const AZURE_CONTAINER = /^[a-z0-9](-?[a-z0-9])*$/;
// A DNS name of at least two labels (a storage endpoint domain such as blob.core.windows.net).
const DOMAIN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
// AWS KMS key references the S3 API takes: a key id (or multi-Region key id), an alias, or the
// ARN of either.
const KMS_KEY = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})';
const KMS_ALIAS = 'alias/[A-Za-z0-9/_-]{1,250}';
const KMS_KEY_ID = new RegExp(`^(${KMS_KEY}|${KMS_ALIAS}|arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\\d{12}:(key/${KMS_KEY}|${KMS_ALIAS}))$`);

/** An Azure storage account name. */
export function azureAccountName(scope: IConstruct, field: string, value: string): string {
  const c = v.pattern(scope, field, value, { type: 'string', pattern: AZURE_ACCOUNT.source });
  if (typeof c !== 'string' || !AZURE_ACCOUNT.test(c)) {
    invalid(scope, field, value, 'must be an Azure storage account name: 3-24 lowercase letters and digits');
  }
  return value;
}

/** An Azure blob container name. */
export function azureContainerName(scope: IConstruct, field: string, value: string): string {
  const c = v.pattern(scope, field, value, { type: 'string', pattern: AZURE_CONTAINER.source, minLength: 3, maxLength: 63 });
  if (typeof c !== 'string' || c.length < 3 || c.length > 63 || !AZURE_CONTAINER.test(c)) {
    invalid(scope, field, value, 'must be an Azure blob container name: 3-63 lowercase letters, digits and "-", starting and ending with a letter or digit, without "--"');
  }
  return value;
}

/** A storage endpoint domain such as `blob.core.windows.net`, without a scheme or account. */
export function storageDomain(scope: IConstruct, field: string, value: string): string {
  const c = v.pattern(scope, field, value, { type: 'string', pattern: DOMAIN.source, maxLength: 253 });
  if (typeof c !== 'string' || c.length > 253 || !DOMAIN.test(c)) {
    invalid(scope, field, value, 'must be a DNS domain without a scheme, path or account name, e.g. "blob.core.windows.net" or "blob.core.chinacloudapi.cn"');
  }
  return value;
}

/** An AWS KMS key id, alias, or key or alias ARN. */
export function kmsKeyId(scope: IConstruct, field: string, value: string): string {
  const c = v.pattern(scope, field, value, { type: 'string', pattern: KMS_KEY_ID.source });
  if (typeof c !== 'string' || !KMS_KEY_ID.test(c)) {
    invalid(scope, field, value, 'must be a KMS key id ("1234abcd-12ab-34cd-56ef-1234567890ab" or "mrk-…"), an alias ("alias/runner-cache"), or the ARN of either ("arn:aws:kms:eu-west-1:111122223333:key/…")');
  }
  return value;
}
