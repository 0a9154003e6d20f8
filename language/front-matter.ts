/**
 * Splits an email template file into its YAML front matter and its Handlebars body.
 *
 *   ---
 *   subject: Welcome to Acme, {{firstName contact.name}}
 *   category: onboarding
 *   ---
 *   <p>Hi {{firstName contact.name}}, …</p>
 *
 * Sandbox-safe (no Node built-ins): the workflow bundle may import the language module.
 * Line numbers are 1-based and refer to the whole file, so an author can jump to them.
 */
import { LineCounter, parseDocument, isMap, isScalar, isPair } from 'yaml';

export interface FrontMatterField {
  value: unknown;
  /** Where the value starts in the file (1-based). */
  line: number;
  column: number;
}

export interface FrontMatter {
  fields: Record<string, FrontMatterField>;
  body: string;
  /** File line on which the body's first line sits. */
  bodyLine: number;
}

export interface FrontMatterError {
  message: string;
  line: number;
  column: number;
}

const FENCE = /^---[ \t]*$/;

export function splitFrontMatter(source: string): FrontMatter | { errors: FrontMatterError[] } {
  // Normalise Windows line endings once so every later line count agrees.
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length === 0 || !FENCE.test(lines[0])) {
    return {
      errors: [
        {
          message:
            'A template starts with front matter: a line "---", then subject: and category:, then another "---".',
          line: 1,
          column: 1,
        },
      ],
    };
  }
  const close = lines.findIndex((line, i) => i > 0 && FENCE.test(line));
  if (close < 0) {
    return {
      errors: [
        {
          message: 'The front matter is not closed: add a line "---" after its last field.',
          line: 1,
          column: 1,
        },
      ],
    };
  }

  const yamlText = lines.slice(1, close).join('\n');
  const counter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  // The YAML starts on file line 2, hence the +1 on every position it reports.
  const at = (offset: number): { line: number; column: number } => {
    const pos = counter.linePos(offset);
    return { line: pos.line + 1, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => ({
        message: `Front matter is not valid YAML: ${e.message.split('\n')[0]}`,
        ...at(e.pos[0]),
      })),
    };
  }

  const fields: Record<string, FrontMatterField> = {};
  if (doc.contents !== null && doc.contents !== undefined) {
    if (!isMap(doc.contents)) {
      return {
        errors: [{ message: 'The front matter must be a list of "key: value" lines.', line: 2, column: 1 }],
      };
    }
    for (const pair of doc.contents.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      const node = pair.value;
      const offset =
        (isScalar(node) || isMap(node)) && node.range ? node.range[0] : (pair.key.range?.[0] ?? 0);
      fields[key] = {
        value: isScalar(node) ? node.value : (node as { toJSON?: () => unknown } | null)?.toJSON?.(),
        ...at(offset),
      };
    }
  }
  return { fields, body: lines.slice(close + 1).join('\n'), bodyLine: close + 2 };
}
