import { IConstruct } from 'constructs';
import { invalid, redact } from './errors';
import { knownKeys } from './shape';
import { dnsSubdomain, secretKey } from './validate';

/**
 * A key of a Kubernetes Secret that already exists in the cluster (created by hand, by
 * External Secrets, Sealed Secrets, …). This library only ever references Secrets: their values
 * never pass through synth, so they can never land in `dist/`.
 */
export interface SecretKeyReference {
  /** Name of the Secret, in the namespace of the workload that reads it. */
  readonly secretName: string;
  /**
   * Key within the Secret.
   * @default - depends on the use, e.g. `runner-token` for a runner token
   */
  readonly key?: string;
}

/** A validated reference with its key resolved. */
export interface ResolvedSecretKey {
  /** Name of the Secret. */
  readonly secretName: string;
  /** Key within the Secret. */
  readonly key: string;
}

/**
 * Validates a Secret reference. A plain string is rejected with a redacted message: it is
 * almost always a token pasted where a reference belongs.
 */
export function resolveSecretKey(scope: IConstruct, field: string, ref: SecretKeyReference | string | undefined, defaultKey: string): ResolvedSecretKey {
  if (typeof ref === 'string') {
    invalid(scope, field, redact(ref),
      'a literal secret would be written to dist/ in clear text: store it in a Kubernetes Secret and pass { secretName, key } instead');
  }
  if (ref === undefined || ref === null || typeof ref !== 'object') {
    invalid(scope, field, ref, 'must reference an existing Secret: { secretName: "…", key: "…" }');
  }
  knownKeys(scope, field, ref, ['secretName', 'key']);
  return {
    secretName: dnsSubdomain(scope, `${field}.secretName`, ref.secretName),
    key: secretKey(scope, `${field}.key`, ref.key ?? defaultKey),
  };
}
