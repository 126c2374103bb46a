// What the importer will write: the constructs of the stack and their props, as data. The mappers
// fill it; ./emit turns it into TypeScript. Keeping it data keeps the output deterministic.

/** A TypeScript expression written as is, with the names it needs imported. */
export class Code {
  constructor(
    /** The expression. */
    public readonly text: string,
    /** Names it uses, by module. */
    public readonly imports: Readonly<Record<string, readonly string[]>> = {},
  ) {}
}

/** A value written as a TypeScript literal. */
export type Expr = string | number | boolean | Code | readonly Expr[] | { readonly [key: string]: Expr | undefined };

/** Props of one construct, in the order they are written. */
export type Props = Record<string, Expr | undefined>;

/** A tainted node pool of existing nodes (privileged runners run only there). */
export interface PoolPlan {
  /** Variable name. */
  readonly variable: string;
  /** Construct id. */
  readonly id: string;
  /** ExistingNodePool props. */
  readonly props: Props;
}

/** A cache the runners use. */
export interface CachePlan {
  /** Variable name. */
  readonly variable: string;
  /** Construct id. */
  readonly id: string;
  /** The library class. */
  readonly className: 'S3Cache' | 'GcsCache' | 'AzureCache';
  /** Its props. */
  readonly props: Props;
  /** A key identifying equal caches, so runners with the same cache share one construct. */
  readonly key: string;
}

/** One runner of the manager. */
export interface RunnerPlan {
  /** `addRunner` or, for a privileged runner, `addDindRunner`. */
  readonly method: 'addRunner' | 'addDindRunner';
  /** Runner name (a DNS label). */
  readonly name: string;
  /** Its options. */
  readonly options: Props;
  /** Variable of the cache it uses. */
  readonly cache?: string;
}

/** The whole stack. */
export interface Plan {
  /** GitLabRunnerManager props. */
  readonly manager: Props;
  /** Node pools. */
  readonly pools: PoolPlan[];
  /** Caches. */
  readonly caches: CachePlan[];
  /** Runners. */
  readonly runners: RunnerPlan[];
  /** RunnerMonitoring props, if any. */
  readonly monitoring?: Props;
}

/** `Duration.seconds(n)`. */
export function seconds(n: number): Code {
  return new Code(`Duration.seconds(${n})`, { cdk8s: ['Duration'] });
}
