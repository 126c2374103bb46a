import { ImportReport } from './report';

// runners.config is a Helm template (the chart runs it through `tpl`). The importer evaluates the
// expressions it can know without a cluster (.Release.Namespace, .Release.Name, .Values.<path>),
// and reports the others: an inline expression becomes a marker the TOML mapping reports at its
// key; a line holding only an action (if/else/end/range/with, comments) is removed.

/** What the importer knows of the Helm release. */
export interface ReleaseInfo {
  /** `.Release.Name`. */
  readonly name: string;
  /** `.Release.Namespace`. */
  readonly namespace: string;
}

/** Prefix of the marker left where an expression could not be evaluated. */
export const UNRESOLVED = '__helm_unresolved_';

const EXPRESSION = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/g;
const ACTION_LINE = /^\s*\{\{-?\s*(\/\*[\s\S]*\*\/|if\b|else\b|end\b|range\b|with\b|define\b|block\b|template\b)[\s\S]*?-?\}\}\s*$/;

/** The template with known expressions evaluated; `expressions[i]` is what marker i stood for. */
export interface ResolvedTemplate {
  /** TOML text. */
  readonly text: string;
  /** Unresolved expressions, by marker index. */
  readonly expressions: string[];
  /** Value paths the template read (`.Values.<path>`), evaluated from the values file. */
  readonly usedValues: string[];
}

/** Evaluates what can be evaluated in `template`; `source` names it in the report. */
export function resolveTemplate(template: string, source: string, release: ReleaseInfo, values: Record<string, unknown>, report: ImportReport): ResolvedTemplate {
  const expressions: string[] = [];
  const usedValues: string[] = [];
  const lines = template.split('\n').map((line, i) => {
    if (!ACTION_LINE.test(line)) return line;
    report.unmap(`${source}:${i + 1}`, `Helm action \`${line.trim()}\` removed: the importer does not evaluate template logic; the lines it guards are kept as if it held. Check them`);
    return '';
  });
  const text = lines.join('\n').replace(EXPRESSION, (whole, expr: string) => {
    const known = evaluate(expr.trim(), release, values);
    if (known !== undefined) {
      const used = /^\$?\.Values\.([A-Za-z0-9_.]+)/.exec(expr.trim())?.[1];
      if (used && !usedValues.includes(used)) usedValues.push(used);
      return known;
    }
    expressions.push(whole);
    return `${UNRESOLVED}${expressions.length - 1}__`;
  });
  return { text, expressions, usedValues };
}

/** The value of an expression the importer can know, as text; undefined otherwise. */
function evaluate(expr: string, release: ReleaseInfo, values: Record<string, unknown>): string | undefined {
  const plain = expr.replace(/\s*\|\s*quote$/, '');
  const quoted = plain !== expr;
  let value: unknown;
  if (plain === '.Release.Namespace' || plain === '$.Release.Namespace') value = release.namespace;
  else if (plain === '.Release.Name' || plain === '$.Release.Name') value = release.name;
  else if (/^\$?\.Values(\.[A-Za-z0-9_]+)+$/.test(plain)) {
    value = plain.replace(/^\$?\.Values\./, '').split('.').reduce<unknown>((node, k) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined), values);
    if (value === null || typeof value === 'object') return undefined;
  } else return undefined;
  if (value === undefined) return undefined;
  return quoted ? JSON.stringify(String(value)) : String(value);
}

/** The unresolved expression a string holds, if any. */
export function unresolvedIn(value: string, expressions: readonly string[]): string | undefined {
  const m = new RegExp(`${UNRESOLVED}(\\d+)__`).exec(value);
  return m ? expressions[Number(m[1])] : undefined;
}
