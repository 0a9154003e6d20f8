/**
 * The invalid-playbook corpus: each file in corpus/ starts with
 *   # expect: <line>:<col> <severity> <code>[, …]
 * and the validator must report exactly those diagnostics, no more, no fewer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validatePlaybook } from '../../language/validate.js';
import { testTemplates } from './fixtures.js';

const dir = new URL('./corpus/', import.meta.url);
const files = readdirSync(dir)
  .filter((file) => file.endsWith('.yaml'))
  .sort();

function expected(source: string): string[] {
  const header = /^# expect: (.*)$/m.exec(source.split('\n')[0] ?? '');
  if (!header) throw new Error('corpus file without "# expect:" header');
  return header[1].split(',').map((item) => item.trim());
}

describe('invalid playbook corpus', () => {
  it('has at least 40 playbooks with errors', () => {
    const withErrors = files.filter((file) =>
      expected(readFileSync(new URL(file, dir), 'utf8')).some((e) => e.includes(' error ')),
    );
    expect(withErrors.length).toBeGreaterThanOrEqual(40);
  });

  it.each(files)('%s', (file) => {
    const source = readFileSync(new URL(file, dir), 'utf8');
    const { diagnostics, playbook } = validatePlaybook(source, { file, templates: testTemplates });
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.code}`)).toEqual(expected(source));
    for (const d of diagnostics) {
      expect(d.file).toBe(file);
      expect(d.message.length).toBeGreaterThan(10);
    }
    // A typed playbook comes back exactly when nothing is an error.
    expect(playbook === undefined).toBe(diagnostics.some((d) => d.severity === 'error'));
  });
});
