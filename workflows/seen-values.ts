/**
 * "Why did this fire?": the values a condition read, e.g. `{ health: { score: 35 } }`, found
 * by resolving every variable path the expression mentions (string literals excluded). Nested
 * rather than dotted keys, because MongoDB field names may not contain dots.
 */
import type { ExpressionContext } from '../language/context.js';

const roots = ['account', 'health', 'previous', 'steps', 'run', 'event'];
const pathPattern = new RegExp(`\\b(?:${roots.join('|')})(?:\\.[A-Za-z_][A-Za-z0-9_]*)+`, 'g');

function resolve(ctx: ExpressionContext, path: string): unknown {
  let value: unknown = ctx;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !(part in value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function seenValues(expression: string, ctx: ExpressionContext): Record<string, unknown> {
  const code = expression.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  const seen: Record<string, unknown> = {};
  for (const path of code.match(pathPattern) ?? []) {
    const value = resolve(ctx, path);
    const parts = path.split('.');
    let node = seen;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      node = (next !== null && typeof next === 'object' ? next : (node[part] = {})) as Record<
        string,
        unknown
      >;
    }
    node[parts[parts.length - 1]] = value === undefined ? null : value;
  }
  return seen;
}
