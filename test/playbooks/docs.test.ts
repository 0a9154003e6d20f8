import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnosticCodes } from '../../language/diagnostics.js';
import { stepKinds } from '../../language/schema.js';
import { templateHelpers } from '../../language/template-helpers.js';
import { EMAIL_CATEGORIES } from '../../language/templates.js';

// The language reference is what CS ops read; these keep it from silently falling behind.
const doc = readFileSync(new URL('../../docs/playbooks.md', import.meta.url), 'utf8');

describe('docs/playbooks.md', () => {
  it('explains every validator code', () => {
    expect(Object.keys(diagnosticCodes).filter((code) => !doc.includes(`\`${code}\``))).toEqual([]);
  });

  it('has a section for every step kind', () => {
    expect(Object.keys(stepKinds).filter((kind) => !doc.includes(`### ${kind}:`))).toEqual([]);
  });

  it('documents every template helper and email category', () => {
    expect(Object.keys(templateHelpers).filter((name) => !doc.includes(`\`${name} <`))).toEqual([]);
    expect(EMAIL_CATEGORIES.filter((c) => !doc.includes(`\`${c}\``))).toEqual([]);
  });
});
