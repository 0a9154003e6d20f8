import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileTemplateCatalog } from '../../catalog/template-files.js';
import type { Diagnostic } from '../../language/diagnostics.js';
import { validatePlaybook } from '../../language/validate.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const playbooks = readdirSync(`${root}playbooks`).filter((file) => file.endsWith('.yaml'));

function retain(...args: string[]) {
  return spawnSync(process.execPath, [`${root}bin/retain.js`, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('the shipped playbooks', () => {
  it.each(playbooks)('%s validates clean and declares the published schema for editors', (file) => {
    const source = readFileSync(`${root}playbooks/${file}`, 'utf8');
    const result = validatePlaybook(source, {
      file,
      templates: new FileTemplateCatalog(`${root}playbooks/templates`),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.playbook?.steps.length).toBeGreaterThan(0);
    expect(source.split('\n')[0]).toBe('# yaml-language-server: $schema=../language/playbook.schema.json');
  });
});

describe('retain validate', () => {
  it('exits 0 on the shipped playbooks', () => {
    const result = retain('validate', ...playbooks.map((file) => `playbooks/${file}`));
    expect(result.stderr).toContain('0 errors');
    expect(result.status).toBe(0);
  });

  it('prints compiler-style lines and exits 1 on errors', () => {
    const result = retain(
      'validate',
      '--templates',
      'playbooks/templates',
      'test/language/corpus/step-unknown-ref-waitfor.yaml',
    );
    expect(result.stdout.trim()).toBe(
      'test/language/corpus/step-unknown-ref-waitfor.yaml:8:22: error step.unknown_ref there is no step with the id "cal" (did you mean "call"?)',
    );
    expect(result.status).toBe(1);
  });

  it('prints the same diagnostics as JSON with --json', () => {
    const result = retain('validate', '--json', 'test/language/corpus/holdout-range.yaml');
    const diagnostics = JSON.parse(result.stdout) as Diagnostic[];
    expect(diagnostics).toEqual([
      expect.objectContaining({
        file: 'test/language/corpus/holdout-range.yaml',
        line: 5,
        column: 24,
        severity: 'error',
        code: 'holdout.range',
      }),
    ]);
    expect(result.status).toBe(1);
  });

  it('reports an unreadable file as a diagnostic and an unknown command as misuse', () => {
    expect(retain('validate', 'no/such.yaml').stdout).toContain('no/such.yaml:1:1: error input.unreadable');
    expect(retain('frobnicate').status).toBe(2);
  });
});
