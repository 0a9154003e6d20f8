import { describe, expect, it } from 'vitest';
import {
  checkExpression,
  evaluateCondition,
  evaluateExpression,
  ExpressionEvaluationError,
} from '../../language/expressions.js';
import { sampleContext } from './fixtures.js';

function errorOf(source: string) {
  const result = checkExpression(source, { expect: 'bool' });
  if (result.ok) throw new Error(`expected an error for ${source}`);
  return result.errors[0];
}

describe('checkExpression', () => {
  it('accepts conditions over the context, mixing int literals and numbers', () => {
    for (const source of [
      'health.score < 40',
      'account.mrr >= 1000.5',
      'health.score == 40',
      'account.mrr * 12 > 10000',
      'health.band == "red" && previous.band != "red"',
    ]) {
      expect(checkExpression(source, { expect: 'bool' }), source).toMatchObject({ ok: true, type: 'bool' });
    }
  });

  it('rejects an unknown field with a suggestion and its offset', () => {
    expect(errorOf('account.nmae == "x"')).toEqual({
      code: 'expr.type',
      offset: 8,
      message: expect.stringContaining('did you mean "name"'),
    });
  });

  it('rejects an unknown variable', () => {
    expect(errorOf('acount.name == "x"')).toMatchObject({
      code: 'expr.type',
      offset: 0,
      message: expect.stringContaining('did you mean "account"'),
    });
  });

  it('rejects comparing a number with text', () => {
    expect(errorOf('health.score < "40"')).toMatchObject({
      code: 'expr.type',
      message: 'cannot use < between a number and text',
    });
  });

  it('reports syntax errors with their position', () => {
    expect(errorOf('health.score <')).toMatchObject({ code: 'expr.syntax', offset: 14 });
  });

  it('requires conditions to be true/false', () => {
    expect(errorOf('health.score + 1')).toMatchObject({
      code: 'expr.type',
      message: expect.stringContaining('gives a number'),
    });
  });

  it('lists the steps an expression refers to, in either notation', () => {
    const result = checkExpression('steps.call.outcome == "reached" || steps["tips"].status == "done"');
    expect(result.ok && result.stepRefs.map((r) => r.id)).toEqual(['call', 'tips']);
  });

  it('forbids regular expressions, cel.bind and deep comprehension nesting', () => {
    expect(errorOf('account.name.matches("(a+)+$")').code).toBe('expr.unsupported');
    expect(errorOf('cel.bind(x, 1, x == 1)').code).toBe('expr.unsupported');
    expect(errorOf('[1].all(a, [1].all(b, [1].all(c, c == a)))').code).toBe('expr.unsupported');
  });

  it('bounds hostile expressions by size and depth', () => {
    expect(errorOf(`${'('.repeat(200)}true${')'.repeat(200)}`).code).toBe('expr.syntax');
    expect(errorOf(Array.from({ length: 400 }, () => 'health.score > 1').join(' && ')).code).toBe(
      'expr.syntax',
    );
  });
});

describe('evaluation', () => {
  const ctx = sampleContext();

  it('evaluates conditions on current data', () => {
    expect(evaluateCondition('health.score < 40 && steps.call.outcome == "reached"', ctx)).toBe(true);
    expect(evaluateCondition('account.mrr >= 1000.5', ctx)).toBe(true);
    expect(evaluateCondition('account.attributes.seatsUsed / account.attributes.seatLimit >= 0.9', ctx)).toBe(
      true,
    );
    expect(evaluateCondition('health.score == 35', ctx)).toBe(true);
  });

  it('returns plain JSON numbers, never BigInt', () => {
    expect(evaluateExpression('[1, 2, 3].map(x, x * 2)', ctx)).toEqual([2, 4, 6]);
    expect(evaluateExpression('health', ctx)).toEqual({ score: 35, band: 'red' });
    expect(typeof evaluateExpression('1 + 2', ctx)).toBe('number');
  });

  it('raises ExpressionEvaluationError for a missing attribute, which has() avoids', () => {
    expect(() => evaluateCondition('account.attributes.nps > 8', ctx)).toThrow(ExpressionEvaluationError);
    expect(evaluateCondition('has(account.attributes.nps) && account.attributes.nps > 8', ctx)).toBe(false);
  });
});
