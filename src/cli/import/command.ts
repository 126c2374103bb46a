import { ensureEmptyDir, UsageError } from '../init';
import { importChart } from './importer';
import { ImportInputError } from './values';

// The command line of `cdk8s-gitlab-runner import`.

export const IMPORT_USAGE = `Usage: cdk8s-gitlab-runner import --values values.yaml [--config config.toml] [--out dir] [--namespace ns]

Converts the values of the official gitlab-runner Helm chart (and its runners.config template)
into a main.ts using this library, and lists every key it could not convert, and every risky
setting, in IMPORT-REPORT.md beside it (and on the terminal).

  --values FILE      the chart's values.yaml (required)
  --config FILE      a config.toml (template) to use instead of runners.config
  --out DIR          where to write main.ts and IMPORT-REPORT.md; must not exist or be empty
                     (default: imported-runners)
  --namespace NS     the release namespace: the manager's namespace, and what
                     {{ .Release.Namespace }} means in runners.config (default: gitlab-runner)
  --help             this text

Exit code 0 when converted (keys not converted are reported, not fatal); 2 on a bad command
line or unreadable input (a missing file, bad YAML or TOML, an existing non-empty --out).`;

/** Parsed `import` arguments. */
export interface ImportArgs {
  readonly values?: string;
  readonly config?: string;
  readonly out: string;
  readonly namespace: string;
  readonly help: boolean;
}

/** Parses the arguments after `import`. */
export function parseImportArgs(argv: readonly string[]): ImportArgs {
  const got: Record<string, string> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    if (flag === '--help' || flag === '-h') {
      help = true;
      continue;
    }
    if (!['--values', '--config', '--out', '--namespace'].includes(flag)) {
      throw new UsageError(flag.startsWith('-') ? `unknown option ${flag}; known: --values, --config, --out, --namespace, --help` : `unexpected argument "${arg}": give files with --values and --config`);
    }
    const v = inline ?? argv[++i];
    if (v === undefined || v === '' || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
    if (got[flag] !== undefined) throw new UsageError(`${flag} given twice`);
    got[flag] = v;
  }
  return { values: got['--values'], config: got['--config'], out: got['--out'] ?? 'imported-runners', namespace: got['--namespace'] ?? 'gitlab-runner', help };
}

/** Runs `import`; returns the lines to print. Bad input becomes a {@link UsageError}. */
export function runImport(argv: readonly string[]): { help: boolean; lines: string[] } {
  const args = parseImportArgs(argv);
  if (args.help) return { help: true, lines: [IMPORT_USAGE] };
  if (!args.values) throw new UsageError('--values is required: the official chart\'s values.yaml to convert');
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(args.namespace)) throw new UsageError(`invalid --namespace ${JSON.stringify(args.namespace)}: must be a DNS-1123 label (lowercase letters, digits, "-"; at most 63)`);
  try {
    return { help: false, lines: importChart({ values: args.values, config: args.config, out: args.out, namespace: args.namespace }, (dir) => ensureEmptyDir(dir, 'import')).log };
  } catch (e) {
    if (e instanceof ImportInputError) throw new UsageError(e.message);
    throw e;
  }
}
