/**
 * Playbook durations (`30m`, `12h`, `2d`, `1w`) as milliseconds. The workflow turns them into
 * Temporal timers, the validator rejects what this cannot parse, so both agree on one grammar.
 */
/** A day in milliseconds: the one definition, for day counts and day-long windows everywhere. */
export const dayMs = 86_400_000;

const unitMs = { m: 60_000, h: 3_600_000, d: dayMs, w: 7 * dayMs } as const;

/** The same grammar as the schema's `Duration` pattern. */
const durationPattern = /^([1-9][0-9]{0,4})(m|h|d|w)$/;

/** Milliseconds for a playbook duration, or undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const match = durationPattern.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}

/** Milliseconds for a duration the validator has already accepted; throws on anything else. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new RangeError(`not a playbook duration: ${JSON.stringify(text)}`);
  return ms;
}

/** Why a text is not a duration, in words a CS-ops author understands. */
export function explainDuration(text: string): string {
  const unit = /^[0-9]+\s*([a-z]+)$/i.exec(text.trim())?.[1];
  if (unit && !(unit in unitMs)) {
    return `"${text}" is not a duration: the unit must be m (minutes), h (hours), d (days) or w (weeks)`;
  }
  if (/^0+[mhdw]$/.test(text)) return `"${text}" is not a duration: it must be at least 1`;
  return `"${text}" is not a duration: write a whole number and a unit, e.g. 30m, 12h, 2d or 1w`;
}
