/**
 * Reads playbook YAML into plain data plus a locator, within fixed bounds: input size, alias
 * expansion (billion-laughs documents) and nesting depth are limited so that no input can make
 * the validator hang or exhaust memory.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { Diagnostic, DiagnosticCode } from './diagnostics.js';
import { SourceLocator, type JsonPath } from './locate.js';

export const maxSourceBytes = 256 * 1024;
export const maxNestingDepth = 32;
const maxAliasCount = 100;

export interface LoadedYaml {
  value: unknown;
  locator?: SourceLocator;
  diagnostics: Diagnostic[];
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** The first path at which `value` is nested deeper than the limit, if any. */
function tooDeep(value: unknown): JsonPath | undefined {
  const stack: { value: unknown; path: JsonPath }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (path.length >= maxNestingDepth) return path;
    const entries: [string | number, unknown][] = Array.isArray(current)
      ? current.map((v, i) => [i, v])
      : Object.entries(current);
    for (const [key, child] of entries) stack.push({ value: child, path: [...path, key] });
  }
  return undefined;
}

export function loadYaml(source: string, file: string): LoadedYaml {
  const diagnostics: Diagnostic[] = [];
  const report = (code: DiagnosticCode, line: number, column: number, message: string) =>
    diagnostics.push({ file, line, column, severity: 'error', code, message });

  if (source.length > maxSourceBytes || byteLength(source) > maxSourceBytes) {
    report(
      'input.too_large',
      1,
      1,
      `the file is larger than ${maxSourceBytes / 1024} KiB; a playbook never needs that much`,
    );
    return { value: undefined, diagnostics };
  }
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(source, {
      lineCounter: lines,
      prettyErrors: false,
      uniqueKeys: true,
      strict: true,
      schema: 'core',
    });
  } catch (error) {
    // The parser recurses on nesting; a stack overflow means absurdly deep input.
    report(
      'yaml.depth',
      1,
      1,
      `the file could not be read: ${error instanceof RangeError ? 'it is nested too deeply' : String(error)}`,
    );
    return { value: undefined, diagnostics };
  }
  const locator = new SourceLocator(doc, lines, source);
  for (const error of doc.errors) {
    const { line, column } = locator.position(error.pos[0]);
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    if (/call stack/i.test(error.message))
      report('yaml.depth', line, column, 'the file is nested too deeply to read');
    else if (error.code === 'DUPLICATE_KEY')
      report('key.duplicate', line, column, `${message}: each key may appear only once in a map`);
    else report('yaml.syntax', line, column, message);
  }
  if (doc.errors.length > 0) return { value: undefined, locator, diagnostics };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount });
  } catch (error) {
    if (error instanceof ReferenceError)
      report(
        'yaml.alias',
        1,
        1,
        'the file expands too many YAML aliases (*name); write the values out instead',
      );
    else if (error instanceof RangeError) report('yaml.depth', 1, 1, 'the file is nested too deeply');
    else report('yaml.syntax', 1, 1, error instanceof Error ? error.message : String(error));
    return { value: undefined, locator, diagnostics };
  }
  const deep = tooDeep(value);
  if (deep) {
    const { line, column } = locator.at(deep);
    report(
      'yaml.depth',
      line,
      column,
      `the file is nested more than ${maxNestingDepth} levels deep; split the steps into a simpler structure`,
    );
    return { value: undefined, locator, diagnostics };
  }
  return { value, locator, diagnostics };
}
