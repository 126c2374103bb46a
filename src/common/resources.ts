import { IConstruct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { requireRequestAtMostLimit } from './rules';
import { knownKeys } from './shape';
import { quantity } from './validate';

/** A request and a limit for one resource, as Kubernetes quantities (`250m`, `512Mi`, `1Gi`). */
export interface ResourceRange {
  /**
   * What the scheduler reserves.
   * @default - no request
   */
  readonly request?: string;
  /**
   * The ceiling enforced at run time.
   * @default - no limit
   */
  readonly limit?: string;
}

/** CPU, memory and ephemeral-storage requests and limits of a container. */
export interface Resources {
  /** @default - see the construct that takes these resources */
  readonly cpu?: ResourceRange;
  /** @default - see the construct that takes these resources */
  readonly memory?: ResourceRange;
  /** @default - no ephemeral-storage request or limit */
  readonly ephemeralStorage?: ResourceRange;
}

const KINDS = [
  ['cpu', 'cpu'],
  ['memory', 'memory'],
  ['ephemeralStorage', 'ephemeral-storage'],
] as const;

// Resources merged over a profile's defaults by {@link overDefaults}, and what the user gave.
const GIVEN = new WeakMap<Resources, Resources | undefined>();

/**
 * `given` merged over `defaults` per resource and per side (as {@link resolveResources} does),
 * for a profile whose defaults differ from the construct's: a DinD runner's service memory limit
 * keeps the profile's request. The result remembers what the user gave, so a request above its
 * limit still blames the side the user wrote.
 */
export function overDefaults(given: Resources | undefined, defaults: Resources): Resources {
  const merged: Record<string, ResourceRange> = {};
  for (const [prop] of KINDS) {
    const range = { ...defaults[prop], ...given?.[prop] };
    if (range.request !== undefined || range.limit !== undefined) merged[prop] = range;
  }
  GIVEN.set(merged, GIVEN.has(given as Resources) ? GIVEN.get(given as Resources) : given);
  return merged;
}

/**
 * Validates every quantity and merges `given` over `defaults` per resource and per side, so
 * overriding a memory limit keeps the default memory request. A request above its limit is
 * refused (the API server would refuse the pod), defaults included: a limit given below the
 * default request names the limit, the field the user wrote.
 */
export function resolveResources(scope: IConstruct, field: string, given: Resources | undefined, defaults: Resources): Resources {
  const out: Record<string, ResourceRange> = {};
  // What the user wrote, also behind a profile's defaults merged by overDefaults.
  const written = given !== undefined && GIVEN.has(given) ? GIVEN.get(given) : given;
  knownKeys(scope, field, written, KINDS.map(([prop]) => prop));
  for (const [prop] of KINDS) {
    knownKeys(scope, `${field}.${prop}`, written?.[prop], ['request', 'limit']);
    const range = { ...defaults[prop], ...given?.[prop] };
    if (range.request !== undefined) quantity(scope, `${field}.${prop}.request`, range.request);
    if (range.limit !== undefined) quantity(scope, `${field}.${prop}.limit`, range.limit);
    if (range.request !== undefined && range.limit !== undefined) {
      const user = given !== undefined && GIVEN.has(given) ? GIVEN.get(given) : given;
      const onlyLimitGiven = user?.[prop]?.limit !== undefined && user?.[prop]?.request === undefined;
      requireRequestAtMostLimit(scope, { field: `${field}.${prop}.request`, value: range.request }, { field: `${field}.${prop}.limit`, value: range.limit }, onlyLimitGiven);
    }
    if (range.request !== undefined || range.limit !== undefined) out[prop] = range;
  }
  return out;
}

/** Kubernetes `resources` of a container. */
export function toResourceRequirements(r: Resources): k8s.ResourceRequirements {
  const requests: Record<string, k8s.Quantity> = {};
  const limits: Record<string, k8s.Quantity> = {};
  for (const [prop, name] of KINDS) {
    const range = r[prop];
    if (range?.request !== undefined) requests[name] = k8s.Quantity.fromString(range.request);
    if (range?.limit !== undefined) limits[name] = k8s.Quantity.fromString(range.limit);
  }
  return {
    requests: Object.keys(requests).length ? requests : undefined,
    limits: Object.keys(limits).length ? limits : undefined,
  };
}
