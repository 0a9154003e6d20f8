import type { HealthBand } from '../language/context.js';

/** Score at or above `green` is green; below `red` is red; in between yellow (DESIGN.md). */
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
