import { IConstruct } from 'constructs';

/**
 * What constructs of one App claim, so rules that span constructs (a build namespace that is
 * another manager's, one token Secret for a privileged and an unprivileged runner) can be checked
 * at synth, whatever order the constructs were created in. Kept per App root: two Apps in one
 * process never see each other's claims.
 */
export interface Claim {
  /** What is claimed, e.g. `namespace` or `token`. */
  readonly kind: string;
  /** The claimed thing, e.g. a namespace name or `namespace/secret/key`. */
  readonly key: string;
  /** How it is used, e.g. `manager`, `cache`, `build`, `privileged-build`, `privileged`, `unprivileged`. */
  readonly use: string;
  /** The construct that claims it. */
  readonly owner: IConstruct;
  /**
   * The construct owning `owner` where that matters (a runner's manager).
   * @default - none
   */
  readonly parent?: IConstruct;
  /**
   * The prop value claimed, possibly holding Helm value tokens (`key` is its concrete form), so a
   * rule between two claims can be recorded for the chart.
   * @default - `key`
   */
  readonly value?: unknown;
  /**
   * The prop the user wrote, for messages, e.g. `namespace` or `buildNamespace`.
   * @default - `kind`
   */
  readonly field?: string;
}

const claims = new WeakMap<IConstruct, Claim[]>();

/** Records a claim in the App of `scope`. */
export function claim(scope: IConstruct, c: Omit<Claim, 'owner'> & { owner?: IConstruct }): void {
  const root = scope.node.root;
  if (!claims.has(root)) claims.set(root, []);
  claims.get(root)!.push({ owner: scope, value: c.key, field: c.kind, ...c });
}

/** Every claim of one kind in the App of `scope`, whatever its key. */
export function claimsOfKind(scope: IConstruct, kind: string): readonly Claim[] {
  return (claims.get(scope.node.root) ?? []).filter((c) => c.kind === kind);
}

/** The claims of one kind and key in the App of `scope`. */
export function claimsOf(scope: IConstruct, kind: string, key: string): readonly Claim[] {
  return (claims.get(scope.node.root) ?? []).filter((c) => c.kind === kind && c.key === key);
}
