import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { invalid } from '../common/errors';
import * as v from '../common/validate';
import { concrete } from '../common/values';

/** The preStop script (`pre-stop.sh`): SIGQUIT to the runner, then wait for it to exit. */
export const PRE_STOP_SCRIPT_FILE = 'pre-stop.sh';

/**
 * The content of `pre-stop.sh` as the hook runs it (`sh -c`), without its comment lines: the
 * file documents it, the pod spec carries only what runs.
 */
export const PRE_STOP_SCRIPT = fs.readFileSync(path.join(__dirname, PRE_STOP_SCRIPT_FILE), 'utf8')
  .split('\n').filter((line) => line !== '' && !line.startsWith('#')).join('\n');

/** Extra seconds Kubernetes waits beyond shutdown_timeout before SIGKILL. */
export const SHUTDOWN_MARGIN_SECONDS = 15;

/**
 * The runner container's preStop hook: a graceful stop of `gitlab-runner run`, PID 1 of the
 * container (its command replaces the image's entrypoint, so no init process sits in between).
 * @param graceSeconds the pod's terminationGracePeriodSeconds (may be a Helm value token)
 * @param reserveSeconds what the hook leaves of it for the forceful stop after SIGTERM
 */
export function gracefulStopHook(graceSeconds: number, reserveSeconds: number): k8s.Lifecycle {
  return {
    preStop: {
      exec: { command: ['/bin/sh', '-c', PRE_STOP_SCRIPT, 'pre-stop', '1', `${graceSeconds}`, `${reserveSeconds}`] },
    },
  };
}

/**
 * `drainTimeout` in whole seconds (may be a Helm value token), at least `reserveSeconds`
 * (shutdown_timeout plus the margin): the hook can only leave what the grace period holds.
 */
export function drainSeconds(scope: IConstruct, value: Duration, reserveSeconds: number): number {
  const seconds = v.seconds(scope, 'drainTimeout', value, 1);
  if (concrete(seconds) < reserveSeconds) {
    invalid(scope, 'drainTimeout', value.toHumanString(), `must be at least shutdownTimeout + ${SHUTDOWN_MARGIN_SECONDS}s (${reserveSeconds}s): it is the pod's whole termination grace period, and its last shutdownTimeout + ${SHUTDOWN_MARGIN_SECONDS}s are kept for aborting the jobs still running; ${reserveSeconds}s means no draining`);
  }
  // Recorded for the chart's schema, so `helm template` refuses what this refuses.
  return v.seconds(scope, 'drainTimeout', value, reserveSeconds);
}
