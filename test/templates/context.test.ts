/**
 * What templates are checked against is what they are rendered with: the validator's shapes
 * and the builders in language/context.ts describe the same fields, and inline texts (task,
 * notify) render with the helpers the validator lets them call.
 */
import { describe, expect, it } from 'vitest';
import {
  INLINE_TEXT_VARIABLES,
  internalContext,
  TEMPLATE_VARIABLES,
  templateContext,
  type VariableShape,
} from '../../language/context.js';
import { renderInlineText, TemplateRenderError } from '../../language/templates.js';
import { validatePlaybook } from '../../language/validate.js';
import type { AccountDoc } from '../../lib/documents.js';
import { testTemplates } from '../language/fixtures.js';

const now = new Date('2026-10-17T09:00:00Z');
const account: AccountDoc = {
  _id: 'acc_1',
  name: 'Acme',
  segment: 'low-touch',
  plan: 'Growth',
  mrr: 1250.5,
  csm: 'u_maya',
  contacts: [
    { email: 'tom@acme.example', name: 'Tom Becker', role: 'admin' },
    { email: 'dana@acme.example', name: 'Dana Reyes', role: 'primary' },
  ],
  startedAt: new Date('2026-01-15T00:00:00Z'),
  renewalAt: new Date('2027-01-15T00:00:00Z'),
  lifecycle: 'adoption',
  attributes: { seatsUsed: 46 },
  health: { score: 35, band: 'red', observedAt: now },
  createdAt: now,
  updatedAt: now,
};
const csm = { id: 'u_maya', name: 'Maya Patel', email: 'maya@retain.example' };
const run = {
  runId: 'run_1',
  playbookId: 'rescue',
  version: 2,
  startedAt: now.toISOString(),
  daysSinceStart: 3,
};

/** Every path a value has, with `*` where the shape allows any key. */
function shapeOf(value: unknown, shape: VariableShape): VariableShape {
  if (shape === '*') return '*';
  if (typeof value !== 'object' || value === null) return true;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, shapeOf(v, typeof shape === 'object' ? shape[k] : true)]),
  );
}

function validate(task: string): string[] {
  const source = `id: rescue\nname: Rescue\ntrigger: { on: manual }\nsteps:\n  - id: call\n    task: { title: "${task}" }\n`;
  return validatePlaybook(source, { file: 'rescue.yaml', templates: testTemplates }).diagnostics.map(
    (d) => `${d.code}: ${d.message}`,
  );
}

describe('the template context', () => {
  it('has exactly the fields the validator lets an email template read', () => {
    const ctx = { ...templateContext(account, account.contacts[0], csm, run, now), unsubscribeUrl: 'u' };
    expect(shapeOf(ctx, TEMPLATE_VARIABLES)).toEqual(TEMPLATE_VARIABLES);
  });

  it('has exactly the fields the validator lets a task or notify text read', () => {
    expect(shapeOf(internalContext(account, csm, run, now), INLINE_TEXT_VARIABLES)).toEqual(
      INLINE_TEXT_VARIABLES,
    );
  });

  it("gives task and notify texts the account's primary contact, or empty fields without one", () => {
    expect(internalContext(account, csm, run, now).contact).toEqual({
      email: 'dana@acme.example',
      name: 'Dana Reyes',
      role: 'primary',
    });
    expect(internalContext({ ...account, contacts: [] }, csm, run, now).contact).toEqual({
      email: '',
      name: '',
      role: '',
    });
  });
});

describe('inline texts (task title and description, notify message)', () => {
  const ctx = internalContext(account, csm, run, now);

  it('accept the helpers and the CSM at validation and render them', () => {
    const title = 'Call {{account.name}} ({{money account.mrr}}/month) with {{csm.name}}';
    expect(validate(title)).toEqual([]);
    expect(renderInlineText(title, ctx)).toBe('Call Acme ($1,250.50/month) with Maya Patel');
    expect(renderInlineText('{{firstName contact.name}}, {{date account.renewalAt "short"}}', ctx)).toBe(
      'Dana, Jan 15, 2027',
    );
  });

  it('may not read the unsubscribe link, which only a customer email has', () => {
    expect(validate('Link {{unsubscribeUrl}}')).toEqual([expect.stringMatching(/^template.unknown_field/)]);
    expect(() => renderInlineText('Link {{unsubscribeUrl}}', ctx)).toThrow(TemplateRenderError);
  });

  it('refuse names of the object prototype, which are no variables', () => {
    expect(validate('{{constructor}}')).toEqual([expect.stringMatching(/^template.prototype_access/)]);
    expect(validate('{{account.__proto__}}')).toEqual([expect.stringMatching(/^template.prototype_access/)]);
    expect(validate('{{account.toString}}')).toEqual([expect.stringMatching(/^template.unknown_field/)]);
  });

  it('fail with a TemplateRenderError naming the text when a helper refuses the data', () => {
    expect(validate('{{money account.attributes.tier}}')).toEqual([]);
    const gold = internalContext({ ...account, attributes: { tier: 'gold' } }, csm, run, now);
    expect(() => renderInlineText('{{money account.attributes.tier}}', gold, 'Task title')).toThrow(
      /^Task title cannot be rendered: money: "gold" is not an amount/,
    );
  });

  it('keep control characters of customer data out, and their own line breaks in', () => {
    const hostile = internalContext({ ...account, name: 'Acme\r\nBcc: x' }, csm, run, now);
    expect(renderInlineText('{{account.name}}\nsecond line', hostile)).toBe('Acme Bcc: x\nsecond line');
  });
});
