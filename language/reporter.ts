/**
 * Collects diagnostics for one file, turning JSON paths into positions. Rules report by path;
 * only this class knows about lines and columns.
 */
import type { Diagnostic, DiagnosticCode, Severity } from './diagnostics.js';
import type { Anchor, JsonPath, SourceLocator } from './locate.js';

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  constructor(
    readonly file: string,
    private readonly locator: SourceLocator,
  ) {}

  private push(
    severity: Severity,
    code: DiagnosticCode,
    position: { line: number; column: number },
    message: string,
  ): void {
    // One problem found by two rules (or twice through a YAML alias) is reported once.
    const key = `${position.line}:${position.column}:${code}:${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push({
      file: this.file,
      line: position.line,
      column: position.column,
      severity,
      code,
      message,
    });
  }

  error(code: DiagnosticCode, path: JsonPath, message: string, anchor: Anchor = 'value'): void {
    this.push('error', code, this.locator.at(path, anchor), message);
  }

  warning(code: DiagnosticCode, path: JsonPath, message: string, anchor: Anchor = 'value'): void {
    this.push('warning', code, this.locator.at(path, anchor), message);
  }

  /** An error at character `offset` of the string value at `path` (expressions, templates). */
  errorInString(code: DiagnosticCode, path: JsonPath, offset: number | undefined, message: string): void {
    this.push(
      'error',
      code,
      offset === undefined ? this.locator.at(path) : this.locator.inString(path, offset),
      message,
    );
  }

  warningInString(code: DiagnosticCode, path: JsonPath, offset: number | undefined, message: string): void {
    this.push(
      'warning',
      code,
      offset === undefined ? this.locator.at(path) : this.locator.inString(path, offset),
      message,
    );
  }

  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === 'error').length;
  }
}
