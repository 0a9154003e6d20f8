import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../cli/preview.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const account = join(root, 'playbooks/examples/account.json');
const out = mkdtempSync(join(tmpdir(), 'retain-preview-'));

let stdout: string[];
let stderr: string[];
beforeEach(() => {
  stdout = [];
  stderr = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void stdout.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void stderr.push(args.join(' ')));
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('retain preview', () => {
  it('renders a nested email step for the sample account and writes the HTML', async () => {
    const html = join(out, 'upsell.html');
    const code = await run([
      join(root, 'playbooks/renewal-upsell.yaml'),
      'upsell_proposal',
      '--account',
      account,
      '--out',
      html,
      '--now',
      '2026-10-17',
    ]);
    expect(code).toBe(0);
    const printed = stdout.join('\n');
    expect(printed).toContain('To:       Dana Reyes <dana.reyes@northwind.example>');
    expect(printed).toContain('Subject:  Northwind Logistics is close to its plan limits');
    expect(printed).toContain('46 of 50 seats (92%)');
    expect(printed).toContain(`HTML written to ${html}`);
    expect(readFileSync(html, 'utf8')).toContain('<p>Hi Dana,</p>');
  });

  it('sends a notification to the CSM and renders the health it is given', async () => {
    const code = await run([
      join(root, 'playbooks/low-usage-rescue.yaml'),
      'escalation_notice',
      '--account',
      account,
      '--health',
      '22',
      '--out',
      join(out, 'n.html'),
    ]);
    expect(code).toBe(0);
    expect(stdout.join('\n')).toMatch(/To: +Maya Patel <maya.patel@retain.demo>[\s\S]*health 22/);
  });

  it('addresses every contact for to: all and says whom it rendered for', async () => {
    const code = await run([
      join(root, 'playbooks/onboarding.yaml'),
      'setup_guide',
      '--account',
      account,
      '--out',
      join(out, 's.html'),
    ]);
    expect(code).toBe(0);
    expect(stdout.join('\n')).toContain(
      'Dana Reyes <dana.reyes@northwind.example>, Tom Becker <tom.becker@northwind.example>, Accounts Payable <ap@northwind.example>',
    );
  });

  it('lists the steps it can preview when the id is unknown', async () => {
    const code = await run([join(root, 'playbooks/kickoff.yaml'), 'nope', '--account', account]);
    expect(code).toBe(1);
    expect(stderr.join('\n')).toMatch(/no step with id "nope".*welcome, kickoff_overdue/);
  });

  it('refuses steps that send nothing', async () => {
    const code = await run([join(root, 'playbooks/kickoff.yaml'), 'kickoff_call', '--account', account]);
    expect(code).toBe(1);
    expect(stderr.join('\n')).toContain('is a "task" step');
  });

  it('exits 2 with the usage when arguments are missing', async () => {
    expect(await run([join(root, 'playbooks/kickoff.yaml')])).toBe(2);
    expect(stderr.join('\n')).toContain('Usage: retain preview');
  });
});
