#!/usr/bin/env node
// The package's command line (package.json `bin`): `npx cdk8s-gitlab-runner init [dir] …` and
// `npx cdk8s-gitlab-runner import --values values.yaml …`.
import * as readline from 'readline';
import { IMPORT_USAGE, runImport } from './import/command';
import { DEFAULTS, init, parseInitArgs, USAGE, UsageError } from './init';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(`${USAGE}\n\n${IMPORT_USAGE}`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'import') {
    for (const line of runImport(rest).lines) console.log(line);
    return 0;
  }
  if (command !== 'init') throw new UsageError(`unknown command "${command}"; known: init, import`);
  const args = parseInitArgs(rest);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  // Prompts only on a terminal; elsewhere (CI, scripts) the defaults apply, and are shown.
  const ask = process.stdin.isTTY && process.stdout.isTTY && (!args.gitlabUrl || !args.runners) ? prompter() : undefined;
  try {
    const gitlabUrl = args.gitlabUrl ?? (await ask?.(`GitLab URL [${DEFAULTS.gitlabUrl}]: `)) ?? '';
    const runnerAnswer = args.runners ? undefined : await ask?.(`Runner names, comma-separated [${DEFAULTS.runners.join(',')}]: `);
    const runners = args.runners ?? (runnerAnswer ? runnerAnswer.split(',').map((r) => r.trim()).filter(Boolean) : []);
    const options = {
      dir: args.dir,
      gitlabUrl: gitlabUrl || DEFAULTS.gitlabUrl,
      runners: runners.length ? runners : [...DEFAULTS.runners],
      fromRegistry: args.fromRegistry,
    };
    const written = init(options);
    console.log(`GitLab URL: ${options.gitlabUrl}${gitlabUrl ? '' : ' (default; --gitlab-url to change)'}`);
    console.log(`Runners: ${options.runners.join(', ')}${runners.length ? '' : ' (default; --runner to change)'}`);
    for (const line of written) console.log(line);
    return 0;
  } finally {
    ask?.close();
  }
}

function prompter(): ((question: string) => Promise<string>) & { close(): void } {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  return Object.assign((question: string) => new Promise<string>((resolve) => rl.question(question, (a) => resolve(a.trim()))), { close: () => rl.close() });
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  if (e instanceof UsageError) {
    console.error(`cdk8s-gitlab-runner: ${e.message}\n(--help for usage)`);
    process.exitCode = 2;
  } else {
    throw e;
  }
});
