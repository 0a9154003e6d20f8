import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FileTemplateCatalog } from '../../catalog/template-files.js';
import { allSteps } from '../../language/step-tree.js';
import { stepKinds } from '../../language/schema.js';
import { validatePlaybook } from '../../language/validate.js';

const dir = fileURLToPath(new URL('../../playbooks/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const templates = new FileTemplateCatalog(`${dir}templates`);
const load = (file: string) => readFileSync(`${dir}${file}`, 'utf8');

describe('shipped playbooks', () => {
  it('are the four the project promises', () => {
    expect(files).toEqual([
      'kickoff.yaml',
      'low-usage-rescue.yaml',
      'onboarding.yaml',
      'renewal-upsell.yaml',
    ]);
  });

  it('use every step kind between them', () => {
    const used = new Set(files.flatMap((file) => allSteps(parse(load(file)).steps).map((n) => n.kind)));
    expect([...used].sort()).toEqual(Object.keys(stepKinds).sort());
  });

  it('give every email and template notification an id, so each can be previewed', () => {
    for (const file of files) {
      const unnamed = allSteps(parse(load(file)).steps).filter(
        (n) =>
          (n.kind === 'email' ||
            (n.kind === 'notify' && (n.step.notify as { template?: string }).template)) &&
          !n.id,
      );
      expect(unnamed.map((n) => `${file}: ${n.path.join('.')}`)).toEqual([]);
    }
  });

  describe.each(files)('%s', (file) => {
    const source = load(file);

    it('points editors at the JSON Schema', () => {
      expect(source.split('\n')[0]).toBe('# yaml-language-server: $schema=../language/playbook.schema.json');
    });

    it('has the file name of its id', () => {
      expect(`${parse(source).id}.yaml`).toBe(file);
    });

    it('references only templates that exist and parse', () => {
      const names = allSteps(parse(source).steps)
        .map((n) => (n.step.email ?? n.step.notify) as { template?: string } | undefined)
        .flatMap((body) => (body?.template ? [body.template] : []));
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        expect(templates.has(name), `template ${name}`).toBe(true);
        expect(templates.check(name)).toEqual([]);
      }
    });

    it('validates with no errors and no warnings', () => {
      const result = validatePlaybook(source, { file: `playbooks/${file}`, templates });
      expect(result.diagnostics).toEqual([]);
      expect(result.playbook?.id).toBe(file.replace(/\.yaml$/, ''));
    });
  });

  it('have no template file that no playbook uses', () => {
    const used = new Set(
      files.flatMap((file) =>
        allSteps(parse(load(file)).steps).map(
          (n) => ((n.step.email ?? n.step.notify) as { template?: string } | undefined)?.template,
        ),
      ),
    );
    expect([...templates.names()].filter((name) => !used.has(name))).toEqual([]);
  });
});
