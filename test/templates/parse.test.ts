import { describe, expect, it } from 'vitest';
import { parseTemplate, type TemplateError } from '../../language/templates.js';

function errorsOf(source: string): TemplateError[] {
  const result = parseTemplate('t', source);
  if (result.ok) throw new Error('expected the template to be rejected');
  return result.errors;
}

const valid = `---
subject: "Hello {{firstName contact.name}}"
category: onboarding
---
<p>Hi {{contact.name}}</p>
`;

describe('parseTemplate', () => {
  it('accepts a template with subject, category and body', () => {
    const result = parseTemplate('welcome', valid);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.template).toMatchObject({ name: 'welcome', category: 'onboarding' });
  });

  it('requires front matter at the top of the file', () => {
    expect(errorsOf('<p>Hi</p>')).toEqual([
      expect.objectContaining({ code: 'template.front_matter', line: 1 }),
    ]);
  });

  it('reports unclosed front matter', () => {
    expect(errorsOf('---\nsubject: Hi\ncategory: onboarding\n<p>Hi</p>')[0].message).toMatch(/not closed/);
  });

  it('reports invalid YAML in the front matter at its file line', () => {
    const errors = errorsOf('---\ncategory: onboarding\nsubject: "unclosed\n---\n<p>x</p>');
    expect(errors[0]).toMatchObject({ code: 'template.front_matter' });
    expect(errors[0].line).toBeGreaterThanOrEqual(3);
  });

  it('requires a subject and a known category, and rejects unknown fields', () => {
    const errors = errorsOf('---\ncategory: newsletter\nfrom: me@example.com\n---\n<p>x</p>');
    expect(errors.map((e) => [e.code, e.line])).toEqual([
      ['template.subject_missing', 1],
      ['template.category', 2],
      ['template.front_matter', 3],
    ]);
  });

  it('reports a Handlebars syntax error in the body with its line in the file', () => {
    const errors = errorsOf(
      `---\nsubject: Hi\ncategory: onboarding\n---\n<p>one</p>\n<p>{{contact.name}</p>\n`,
    );
    expect(errors).toEqual([expect.objectContaining({ code: 'template.syntax', line: 6 })]);
  });

  it('reports a mismatched block at the line where the block opens', () => {
    const errors = errorsOf(
      `---\nsubject: Hi\ncategory: onboarding\n---\n<p>one</p>\n<p>{{#if contact.name}}two</p>\n{{/iff}}\n`,
    );
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'template.syntax',
        line: 6,
        message: expect.stringContaining("if doesn't match iff"),
      }),
    ]);
  });

  it('reports a syntax error in the subject at the subject line', () => {
    const errors = errorsOf('---\ncategory: onboarding\nsubject: "Hi {{contact.name"\n---\n<p>x</p>');
    expect(errors).toEqual([expect.objectContaining({ code: 'template.syntax', line: 3 })]);
  });

  it('reports an error in a block-scalar text part on the line where it occurs', () => {
    const errors = errorsOf(
      '---\nsubject: Hi\ncategory: onboarding\ntext: |\n  Hello\n  {{contact.nmae}}\n---\n<p>x</p>',
    );
    expect(errors).toEqual([expect.objectContaining({ code: 'template.unknown_field', line: 6 })]);
  });

  it('refuses triple braces and {{& }} in the HTML body', () => {
    const errors = errorsOf(
      '---\nsubject: Hi\ncategory: onboarding\n---\n<p>{{{account.name}}}</p>\n<p>{{& contact.name}}</p>',
    );
    expect(errors.map((e) => [e.code, e.line])).toEqual([
      ['template.unescaped', 5],
      ['template.unescaped', 6],
    ]);
  });

  it('names unknown variables with a suggestion and the available fields', () => {
    const [error] = errorsOf('---\nsubject: Hi\ncategory: onboarding\n---\n<p>{{acount.name}}</p>');
    expect(error).toMatchObject({ code: 'template.unknown_field', line: 5, column: 6 });
    expect(error.message).toContain('Did you mean "account.name"?');
  });

  it('accepts any attribute, since integrations define them', () => {
    expect(
      parseTemplate('t', '---\nsubject: Hi\ncategory: renewal\n---\n<p>{{account.attributes.seatsUsed}}</p>')
        .ok,
    ).toBe(true);
  });

  it('rejects unknown helpers and partials', () => {
    const errors = errorsOf(
      '---\nsubject: Hi\ncategory: onboarding\n---\n<p>{{shout contact.name}}</p>\n{{> footer}}',
    );
    expect(errors.map((e) => e.code)).toEqual(['template.unknown_helper', 'template.unsupported']);
  });

  it('refuses __proto__, constructor and prototype as a path segment or a lookup key, anywhere', () => {
    const errors = errorsOf(
      [
        '---',
        'subject: "{{account.__proto__.name}}"',
        'category: onboarding',
        '---',
        '<p>{{account.attributes.constructor}}</p>',
        '{{#with contact}}<p>{{prototype}}</p>{{/with}}',
        '<p>{{lookup account "__proto__"}}</p>',
      ].join('\n'),
    );
    expect(errors.map((e) => `${e.line}:${e.column} ${e.code}`)).toEqual([
      '2:3 template.prototype_access', // the subject's columns count from its value
      '5:6 template.prototype_access',
      '6:23 template.prototype_access',
      '7:21 template.prototype_access',
    ]);
    expect(errors[0].message).toMatch(/"account\.__proto__\.name" reads "__proto__"/);
  });

  it('reads only the fields a template has, not those every object inherits', () => {
    expect(errorsOf('---\nsubject: Hi\ncategory: onboarding\n---\n<p>{{account.toString}}</p>')).toEqual([
      expect.objectContaining({ code: 'template.unknown_field', line: 5, column: 6 }),
    ]);
  });

  it('does not check paths inside each/with, whose context is different', () => {
    expect(
      parseTemplate(
        't',
        '---\nsubject: Hi\ncategory: internal\n---\n{{#with contact}}<p>{{name}}</p>{{/with}}',
      ).ok,
    ).toBe(true);
  });

  it('reports every problem at once, in file order', () => {
    const errors = errorsOf(
      '---\nsubject: "{{acount.name}}"\ncategory: onboarding\n---\n<p>{{{x}}}</p>\n<p>{{csm.phone}}</p>',
    );
    expect(errors.map((e) => e.line)).toEqual([2, 5, 5, 6]);
  });
});
