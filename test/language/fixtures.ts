/** Shared test data for the language tests: a full expression context and a template catalog. */
import type { ExpressionContext } from '../../language/context.js';
import { staticTemplateCatalog } from '../../language/template-catalog.js';

export function sampleContext(overrides: Partial<ExpressionContext> = {}): ExpressionContext {
  return {
    account: {
      id: 'acc_1',
      name: 'Acme',
      segment: 'tech-touch',
      plan: 'pro',
      mrr: 1200.5,
      lifecycle: 'adoption',
      csm: 'u_7',
      daysSinceStart: 45,
      daysToRenewal: 80,
      attributes: { seatsUsed: 18, seatLimit: 20, activated: true },
    },
    health: { score: 35, band: 'red' },
    previous: { score: 72, band: 'green' },
    steps: { call: { status: 'completed', outcome: 'reached' }, tips: { status: 'pending', outcome: '' } },
    run: { id: 'run_1', playbookId: 'low-usage-rescue', version: 3, daysSinceStart: 9, control: false },
    event: { name: '', data: {} },
    ...overrides,
  };
}

/** Templates the corpus and fuzz playbooks may name; `broken` has a syntax problem. */
export const testTemplates = staticTemplateCatalog({
  welcome: [],
  'low-usage-tips': [],
  escalation: [],
  broken: ['line 3: the template ends inside {{ }}'],
});
