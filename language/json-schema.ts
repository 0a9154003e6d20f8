/**
 * The published JSON Schema of playbook format v1 (language/playbook.schema.json), derived
 * from the TypeBox schema so it cannot drift. Editors use it through yaml-language-server.
 * TypeBox nests the recursive Step definition and refers to it by bare name; editors need
 * it at the root under a JSON pointer, so the definition is hoisted and references rewritten.
 */
import { Playbook } from './schema.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function rewrite(node: Json, defs: Record<string, Json>): Json {
  if (Array.isArray(node)) return node.map((item) => rewrite(item, defs));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$defs' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, def] of Object.entries(value)) defs[name] = rewrite(def, defs);
    } else if (key === '$id') {
      // Nested ids would change how editors resolve the #/definitions pointers below them.
      continue;
    } else if (key === '$ref' && typeof value === 'string' && !value.startsWith('#')) {
      out.$ref = `#/definitions/${value}`;
    } else {
      out[key] = rewrite(value, defs);
    }
  }
  return out;
}

export function playbookJsonSchema(): Record<string, Json> {
  const defs: Record<string, Json> = {};
  // JSON round trip: TypeBox keeps its bookkeeping in symbol keys, which JSON drops.
  const body = rewrite(JSON.parse(JSON.stringify(Playbook)) as Json, defs) as Record<string, Json>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...body,
    definitions: defs,
  };
}

export function playbookJsonSchemaText(): string {
  return `${JSON.stringify(playbookJsonSchema(), null, 2)}\n`;
}
