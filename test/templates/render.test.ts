import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { previewContext, type PreviewAccount } from '../../cli/preview-context.js';
import type { TemplateContext } from '../../language/context.js';
import { parseTemplate, renderEmail, type ParsedTemplate } from '../../language/templates.js';
import { defaultThresholds } from '../../language/health-band.js';

const dir = new URL('../../playbooks/templates/', import.meta.url);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.hbs'))
  .map((f) => f.slice(0, -4))
  .sort();
const sample: PreviewAccount = JSON.parse(
  readFileSync(new URL('../../playbooks/examples/account.json', import.meta.url), 'utf8'),
);
const now = new Date('2026-10-17T09:00:00Z');

function load(name: string): ParsedTemplate {
  const result = parseTemplate(name, readFileSync(new URL(`${name}.hbs`, dir), 'utf8'));
  if (!result.ok)
    throw new Error(`${name}: ${result.errors.map((e) => `${e.line}: ${e.message}`).join('; ')}`);
  return result.template;
}

function contextFor(account: PreviewAccount): TemplateContext {
  return previewContext(account, account.contacts[0], {
    playbookId: 'test',
    now,
    healthScore: 35,
    thresholds: defaultThresholds,
  });
}

/** Customer data an attacker controls: markup, Handlebars syntax and a header injection. */
const hostile: PreviewAccount = {
  ...sample,
  name: 'Evil <script>alert(1)</script> {{csm.email}} Corp\r\nBcc: x@evil.example',
  plan: '<img src=x onerror=alert(1)>',
  contacts: [{ email: 'dana@example.com', name: 'Dana\r\nBcc: x@evil.example', role: 'primary' }],
};

describe('shipped email templates', () => {
  it('are all present', () => {
    expect(names.length).toBeGreaterThanOrEqual(12);
  });

  describe.each(names)('%s', (name) => {
    const template = load(name);
    const ctx = contextFor(sample);

    it('renders a subject, an HTML body and a text part for the sample account', () => {
      const email = renderEmail(template, ctx);
      expect(email.subject.length).toBeGreaterThan(10);
      expect(email.subject).not.toMatch(/[\r\n]/);
      expect(email.html).toContain('<body');
      expect(email.text.length).toBeGreaterThan(50);
      expect(email.text).not.toMatch(/<\/?(p|ul|li|strong|br)\b/);
      // Every template is about this account or addressed to its contact.
      expect(`${email.subject}\n${email.text}`).toMatch(/Northwind Logistics|Dana/);
    });

    it('offers an unsubscribe link unless it is an internal notification', () => {
      const email = renderEmail(template, ctx);
      if (email.category === 'internal') {
        expect(email.html).not.toContain('unsubscribe');
      } else {
        expect(email.html).toContain('href="https://retain.invalid/v1/unsubscribe/preview"');
        expect(email.text).toContain('https://retain.invalid/v1/unsubscribe/preview');
      }
    });

    it('keeps hostile customer data inert', () => {
      const email = renderEmail(template, contextFor(hostile));
      expect(email.subject).not.toMatch(/[\r\n]/);
      expect(email.html).not.toContain('<script');
      expect(email.html).not.toContain('<img');
      // Handlebars output is never re-evaluated: "{{csm.email}}" stays literal text.
      if (email.html.includes('Evil'))
        expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; {{csm.email}} Corp');
      expect(`${email.subject}${email.text}`).not.toMatch(/\r|\nBcc:/);
    });
  });
});

describe('renderEmail', () => {
  const template = load('upsell-proposal');

  it('uses the account data and helpers in the text', () => {
    const email = renderEmail(template, contextFor(sample));
    expect(email.subject).toBe(
      'Northwind Logistics is close to its plan limits: options before your renewal',
    );
    expect(email.text).toContain('46 of 50 seats (92%)');
    expect(email.text).toContain('January 15, 2027');
    expect(email.category).toBe('renewal');
  });

  it('fails loudly when the template reads an attribute the account lacks', () => {
    const bare = { ...sample, attributes: {} };
    expect(() => renderEmail(template, contextFor(bare))).toThrow(/seatsUsed/);
  });

  it('writes subjects and text as plain text, not HTML entities', () => {
    const email = renderEmail(load('low-usage-check-in'), contextFor({ ...sample, name: 'R&D <Labs>' }));
    expect(email.subject).toBe('Checking in on R&D <Labs>');
    expect(email.text).toContain('R&D <Labs>');
    expect(email.html).toContain('R&amp;D &lt;Labs&gt;');
  });

  it('uses the explicit text part of a template when it has one', () => {
    const email = renderEmail(load('kickoff-overdue'), contextFor(sample));
    expect(email.text).toContain('Primary contact: Dana Reyes <dana.reyes@northwind.example>');
    expect(email.html).toContain('Dana Reyes &lt;dana.reyes@northwind.example&gt;');
  });
});
