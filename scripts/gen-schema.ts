/**
 * Writes language/playbook.schema.json from the TypeBox schema. Run after changing
 * language/schema.ts: `npx tsx scripts/gen-schema.ts` (a test fails while the file is stale).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playbookJsonSchemaText } from '../language/json-schema.js';

const target = fileURLToPath(new URL('../language/playbook.schema.json', import.meta.url));
writeFileSync(target, playbookJsonSchemaText());
console.log(`wrote ${target}`);
