/**
 * Health bands, their one home: a score at or above `green` is green, below `red` is red, in
 * between yellow. The thresholds come from configuration (`HEALTH_GREEN` / `HEALTH_RED`, read by
 * lib/config.ts into `Config.healthThresholds`, or alone by `loadHealthThresholds` for the
 * CLI); `defaultThresholds` are their defaults.
 * Plain code with no imports but a type, so workflows and the language may use it too.
 */
import type { HealthBand } from './context.js';

export interface HealthThresholds {
  green: number;
  red: number;
}

export const defaultThresholds: HealthThresholds = { green: 70, red: 40 };

export function healthBand(score: number, thresholds: HealthThresholds): HealthBand {
  if (score >= thresholds.green) return 'green';
  if (score < thresholds.red) return 'red';
  return 'yellow';
}
