import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { playbookJsonSchemaText } from '../../language/json-schema.js';

const schemaFile = new URL('../../language/playbook.schema.json', import.meta.url);

describe('published JSON Schema', () => {
  it('is up to date with language/schema.ts (run: npx tsx scripts/gen-schema.ts)', () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(playbookJsonSchemaText());
  });

  it('is a valid draft-07 schema whose references resolve, accepting a playbook and rejecting a typo', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(
      JSON.parse(readFileSync(schemaFile, 'utf8')) as object,
    );
    const playbook = parse(`
id: demo
name: Demo
trigger: { on: manual }
steps:
  - id: call
    task: { title: Call, due: 2d }
  - if: health.score < 40
    then: [{ waitFor: { task: call, timeout: 5d } }]
`);
    expect(validate(playbook)).toBe(true);
    expect(validate({ ...playbook, steps: [{ wiat: '2d' }] })).toBe(false);
  });
});
