import { randomBytes } from 'node:crypto';

/**
 * Names that keep test files apart on the shared servers: each file gets its own database and
 * task queue, so files never see each other's documents or workflows.
 */
export function uniqueName(prefix: string, label: string, maxLength = 48): string {
  const slug =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '')
      .slice(0, 24) || 'test';
  return `${prefix}_${slug}_${randomBytes(4).toString('hex')}`.slice(0, maxLength);
}
