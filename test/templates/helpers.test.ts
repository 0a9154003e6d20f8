import { describe, expect, it } from 'vitest';
import { firstName, formatDate, formatMoney, formatPercent } from '../../language/template-helpers.js';

describe('date helper', () => {
  const instant = '2026-03-14T23:30:00-05:00'; // already March 15 in UTC

  it('formats in UTC whatever the offset of the input', () => {
    expect(formatDate(instant, 'long')).toBe('March 15, 2026');
    expect(formatDate(instant, 'iso')).toBe('2026-03-15');
    expect(formatDate(instant, 'short')).toBe('Mar 15, 2026');
    expect(formatDate(instant, 'weekday')).toBe('Sunday, March 15, 2026');
  });

  it('accepts epoch milliseconds and shifts by whole days', () => {
    expect(formatDate(Date.UTC(2026, 0, 31), 'iso', 1)).toBe('2026-02-01');
    expect(formatDate('2027-01-15T00:00:00Z', 'long', -30)).toBe('December 16, 2026');
  });

  it('renders a missing date as empty text', () => {
    expect(formatDate(null)).toBe('');
    expect(formatDate('')).toBe('');
  });

  it('rejects unknown formats and non-dates with a message naming the problem', () => {
    expect(() => formatDate('2026-01-01', 'fancy')).toThrow(/unknown format "fancy"/);
    expect(() => formatDate('next tuesday')).toThrow(/not a date/);
  });
});

describe('money helper', () => {
  it('groups thousands and shows cents only when there are any', () => {
    expect(formatMoney(1250, 'USD')).toBe('$1,250');
    expect(formatMoney(1234567.5, 'USD')).toBe('$1,234,567.50');
    expect(formatMoney(0.1 + 0.2, 'EUR')).toBe('€0.30');
  });

  it('writes unknown currencies as a code, negative amounts with a sign', () => {
    expect(formatMoney(-980, 'CHF')).toBe('-CHF 980');
    expect(formatMoney(49.99, 'gbp')).toBe('£49.99');
  });

  it('rounds currencies without minor units to whole amounts', () => {
    expect(formatMoney(1999.6, 'JPY')).toBe('¥2,000');
  });

  it('rejects values that are not amounts or codes', () => {
    expect(() => formatMoney('lots', 'USD')).toThrow(/not an amount/);
    expect(() => formatMoney(10, 'dollars')).toThrow(/currency code/);
  });
});

describe('firstName and percent helpers', () => {
  it('takes the first word of a name, with a fallback for empty names', () => {
    expect(firstName('  Dana   Reyes ')).toBe('Dana');
    expect(firstName('')).toBe('there');
    expect(firstName(undefined, 'team')).toBe('team');
  });

  it('gives a whole percentage and nothing for a zero total', () => {
    expect(formatPercent(46, 50)).toBe('92%');
    expect(formatPercent(1, 3)).toBe('33%');
    expect(formatPercent(5, 0)).toBe('');
  });
});
