import { ChildProcess, spawn } from 'child_process';
import { Duration, Testing } from 'cdk8s';
import { helm as writeReferenceChart, ReferenceStack } from '../src/main';
import { PRE_STOP_SCRIPT } from '../src/runner/graceful-stop';
import { helm, helmTemplate } from './helm';
import { attemptSynth, busyboxBinWith, busyboxPath, find, K8sObject, managerStack, tmpdir } from './helpers';
import { GitLabRunnerManager } from '../src';

const manager = (objects: K8sObject[]) => find(objects, 'StatefulSet', 'gitlab-runner').spec.template.spec;
const preStop = (objects: K8sObject[]): string[] => manager(objects).containers[0].lifecycle.preStop.exec.command;

describe('graceful stop: the manifests', () => {
  test('GIVEN the defaults WHEN synthesized THEN the grace period is one hour and the preStop hook drains PID 1, leaving shutdown_timeout + 15 s', () => {
    const { objects } = managerStack();
    expect(manager(objects).terminationGracePeriodSeconds).toBe(3600);
    expect(preStop(objects)).toEqual(['/bin/sh', '-c', PRE_STOP_SCRIPT, 'pre-stop', '1', '3600', '45']);
    expect(manager(objects).containers[0].lifecycle).toMatchSnapshot();
  });

  test('GIVEN the runner container THEN its command replaces the image entrypoint, so gitlab-runner is PID 1 (what the hook signals)', () => {
    const c = manager(managerStack().objects).containers[0];
    expect(c.command).toEqual(['gitlab-runner']);
    expect(c.args[0]).toBe('run');
    expect(manager(managerStack().objects).shareProcessNamespace).toBeUndefined();
  });

  test('GIVEN drainTimeout and shutdownTimeout THEN the grace period is the drain timeout and the hook leaves shutdownTimeout + 15 s', () => {
    const { objects } = managerStack({ drainTimeout: Duration.hours(3), shutdownTimeout: Duration.minutes(5) });
    expect(manager(objects).terminationGracePeriodSeconds).toBe(10800);
    expect(preStop(objects).slice(4)).toEqual(['1', '10800', '315']);
  });

  test('GIVEN drainTimeout equal to shutdownTimeout + 15 s THEN it is accepted: no draining, as before graceful stop', () => {
    const { objects } = managerStack({ drainTimeout: Duration.seconds(45) });
    expect(manager(objects).terminationGracePeriodSeconds).toBe(45);
    expect(preStop(objects).slice(5)).toEqual(['45', '45']);
  });

  test('GIVEN the reference chart THEN manager.drainTimeoutSeconds sets both the grace period and the hook', () => {
    const objects = Testing.synth(new ReferenceStack(Testing.app(), 'gitlab-runner')) as K8sObject[];
    expect(manager(objects).terminationGracePeriodSeconds).toBe(3600);
    expect(preStop(objects).slice(4)).toEqual(['1', '3600', '45']);
  });
});

describe('graceful stop: bad input', () => {
  const attempt = (props: object) => attemptSynth((chart) => {
    new GitLabRunnerManager(chart, 'runner', { gitlabUrl: 'https://gitlab.example.com', ...props }).addRunner('default', { token: { secretName: 't' } });
  });
  test.each([
    ['shorter than shutdownTimeout + 15 s', { drainTimeout: Duration.seconds(44) },
      'stack/runner: invalid drainTimeout "44 seconds": must be at least shutdownTimeout + 15s (45s): it is the pod\'s whole termination grace period, and its last shutdownTimeout + 15s are kept for aborting the jobs still running; 45s means no draining'],
    ['shorter than a longer shutdownTimeout + 15 s', { drainTimeout: Duration.minutes(5), shutdownTimeout: Duration.minutes(5) },
      'stack/runner: invalid drainTimeout "5 minutes": must be at least shutdownTimeout + 15s (315s)'],
    ['in fractional seconds', { drainTimeout: Duration.millis(60500) },
      'stack/runner: invalid drainTimeout "1 minute 500 millis": must be a Duration of whole seconds'],
    ['not a Duration', { drainTimeout: 3600 },
      'stack/runner: invalid drainTimeout 3600: must be a Duration of whole seconds'],
  ])('GIVEN a drain timeout %s WHEN synthesized THEN a clear error and nothing written', (_name, props, message) => {
    const { error, written } = attempt(props);
    expect(error?.message).toContain(message);
    expect(written).toEqual([]);
  });
});

describe('graceful stop: the Helm chart', () => {
  const chart = tmpdir();
  beforeAll(() => writeReferenceChart(chart));
  test('WHEN --set manager.drainTimeoutSeconds=7200 THEN the grace period and the hook follow', () => {
    const objects = helmTemplate(chart, '--set', 'manager.drainTimeoutSeconds=7200') as K8sObject[];
    expect(manager(objects).terminationGracePeriodSeconds).toBe(7200);
    expect(preStop(objects)).toEqual(['/bin/sh', '-c', PRE_STOP_SCRIPT, 'pre-stop', '1', '7200', '45']);
  });

  test('WHEN --set manager.drainTimeoutSeconds below shutdown_timeout + 15 s THEN helm template refuses it', () => {
    expect(() => helm('template', 'test', chart, '--set', 'manager.drainTimeoutSeconds=44')).toThrow(/drainTimeoutSeconds: Must be greater than or equal to 45/);
  });
});

// Every process a test starts; a failing test must not leave a waiting hook or a fake runner behind.
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * Runs the manifest's preStop command, with its shell (the system's or busybox's, as in the
 * alpine image) and the fake runner's PID in place of 1; resolves when the hook has returned.
 */
function runHook(command: string[], pid: number, shell: 'sh' | 'busybox', events: string[], grace?: [string, string]): Promise<number | null> {
  const [, , script, name, , ...times] = command;
  const [exe, pre, PATH] = shell === 'busybox'
    ? [busyboxPath(), ['sh'], busyboxBinWith(['sh', 'date', 'sleep', 'kill'])]
    : ['/bin/sh', [], process.env.PATH];
  const hook = spawn(exe, [...pre, '-c', script, name, String(pid), ...(grace ?? times)], { env: { PATH }, stdio: 'ignore' });
  started.push(hook);
  return new Promise((resolve) => hook.on('exit', (code) => { events.push('hook returned'); resolve(code); }));
}

/** A stand-in for `gitlab-runner run`: on SIGQUIT it reports, and exits after `exitAfterQuit` ms (never if undefined). */
function fakeRunner(events: string[], exitAfterQuit: number | undefined): Promise<ChildProcess> {
  const code = `
    process.on('SIGQUIT', () => {
      console.log('SIGQUIT: no more job requests, waiting for running jobs');
      ${exitAfterQuit === undefined ? '' : `setTimeout(() => { console.log('jobs finished'); process.exit(0); }, ${exitAfterQuit});`}
    });
    process.on('SIGTERM', () => { console.log('SIGTERM'); process.exit(0); });
    setInterval(() => {}, 1000);
    console.log('ready');`;
  const runner = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(runner);
  // 'close': after its output is read, so the lines come first.
  runner.on('close', () => events.push('runner exited'));
  return new Promise((resolve) => {
    let buffered = '';
    runner.stdout!.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        events.push(`runner: ${line}`);
        if (line === 'ready') resolve(runner);
      }
    });
  });
}

describe.each(['sh', 'busybox'] as const)('graceful stop: the preStop command run with the real %s against a fake runner', (shell) => {
  const command = preStop(managerStack().objects);

  test('GIVEN a runner with a job that ends after the signal WHEN the hook runs THEN the runner gets SIGQUIT, and the hook returns only after it exited', async () => {
    const events: string[] = [];
    const runner = await fakeRunner(events, 1500);
    const code = await runHook(command, runner.pid!, shell, events);
    expect(code).toBe(0);
    expect(events).toEqual([
      'runner: ready',
      'runner: SIGQUIT: no more job requests, waiting for running jobs',
      'runner: jobs finished',
      'runner exited',
      'hook returned',
    ]);
  });

  test('GIVEN a runner whose jobs outlast the drain window WHEN the hook runs THEN it returns at the deadline, the runner still running, for SIGTERM to abort', async () => {
    const events: string[] = [];
    const runner = await fakeRunner(events, undefined);
    // A grace period of 3 s with 1 s reserved: the hook gives up after about 2 s.
    const code = await runHook(command, runner.pid!, shell, events, ['3', '1']);
    expect(code).toBe(0);
    expect(runner.exitCode).toBeNull();
    expect(runner.signalCode).toBeNull();
    // What the kubelet does next.
    const exited = new Promise((resolve) => runner.on('close', resolve));
    runner.kill('SIGTERM');
    await exited;
    expect(events).toEqual([
      'runner: ready',
      'runner: SIGQUIT: no more job requests, waiting for running jobs',
      'hook returned',
      'runner: SIGTERM',
      'runner exited',
    ]);
  });

  test('GIVEN no process at the PID (the runner already exited) WHEN the hook runs THEN it returns at once, successfully', async () => {
    const events: string[] = [];
    expect(await runHook(command, 2147483646, shell, events)).toBe(0);
    expect(events).toEqual(['hook returned']);
  });
});
