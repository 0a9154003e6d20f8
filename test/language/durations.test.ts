import { describe, expect, it } from 'vitest';
import { durationMs, explainDuration, parseDuration } from '../../language/durations.js';

describe('durations', () => {
  it('parses minutes, hours, days and weeks to milliseconds', () => {
    expect(parseDuration('30m')).toBe(30 * 60_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('2d')).toBe(2 * 86_400_000);
    expect(parseDuration('1w')).toBe(7 * 86_400_000);
  });

  it('rejects anything else', () => {
    for (const text of ['0d', '2 d', '2days', '1.5d', '-1d', 'd', '', '123456d'])
      expect(parseDuration(text), text).toBeUndefined();
    expect(() => durationMs('2 days')).toThrow(RangeError);
  });

  it('explains the mistake', () => {
    expect(explainDuration('2 days')).toContain('the unit must be m (minutes)');
    expect(explainDuration('0d')).toContain('at least 1');
  });
});
