// What the importer did with every key it read: converted (to which prop), reported (why not),
// flagged as risky. Rendered as Markdown for IMPORT-REPORT.md and the terminal alike.

/** One line of the report. */
export interface ReportEntry {
  /** Key path in the source, e.g. `rbac.rules` or `runners.config#runners[0].kubernetes.image`. */
  readonly path: string;
  /** The prop it became, or why it did not become one, or why it is risky. */
  readonly text: string;
}

/** The importer's findings, in the order it met them. */
export class ImportReport {
  /** Keys that became props. */
  public readonly converted: ReportEntry[] = [];
  /** Keys that did not, with the reason. */
  public readonly unmapped: ReportEntry[] = [];
  /** Risky settings met, converted or not. */
  public readonly risky: ReportEntry[] = [];
  /** Keys with an empty value: no setting to convert. */
  public readonly empty: string[] = [];
  /** What to do by hand (Secrets to create, nodes to taint). */
  public readonly nextSteps: string[] = [];

  /** Records that `path` became `to`. */
  public convert(path: string, to: string): void {
    this.converted.push({ path, text: to });
  }

  /** Records that `path` was not converted, and why. */
  public unmap(path: string, reason: string): void {
    this.unmapped.push({ path, text: reason });
  }

  /** Records a risky setting at `path`. */
  public risk(path: string, reason: string): void {
    this.risky.push({ path, text: reason });
  }

  /** Adds a next step once. */
  public step(step: string): void {
    if (!this.nextSteps.includes(step)) this.nextSteps.push(step);
  }

  /** Every path the report names, in any section. */
  public paths(): string[] {
    return [...this.converted, ...this.unmapped, ...this.risky].map((e) => e.path).concat(this.empty);
  }

  /** The report as Markdown. */
  public toMarkdown(sources: readonly string[]): string {
    const list = (entries: readonly ReportEntry[], sep: string) => (entries.length
      ? entries.map((e) => `- \`${e.path}\`${sep}${e.text}`)
      : ['- none']);
    return [
      '# Import report',
      '',
      `Made by \`cdk8s-gitlab-runner import\` from ${sources.map((s) => `\`${s}\``).join(' and ')}. Review it before`,
      'applying main.ts: every key of the source is listed below, converted or not.',
      '',
      `## Risky settings (${this.risky.length})`,
      '',
      ...list(this.risky, ': '),
      '',
      `## Not converted (${this.unmapped.length})`,
      '',
      ...list(this.unmapped, ': '),
      '',
      `## Converted (${this.converted.length})`,
      '',
      ...list(this.converted, ' → '),
      '',
      `## Empty in the source (${this.empty.length})`,
      '',
      ...(this.empty.length ? [`No setting to convert: ${this.empty.map((p) => `\`${p}\``).join(', ')}.`] : ['- none']),
      '',
      '## Next steps',
      '',
      ...this.nextSteps.map((s, i) => `${i + 1}. ${s}`),
      '',
    ].join('\n');
  }
}
