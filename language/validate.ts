/**
 * The playbook validator: YAML text in, every problem out (errors and warnings, each with file,
 * line, column, stable code and plain message), plus the typed playbook when there is no error.
 * It never throws: whatever the input, the answer is a list of diagnostics.
 */
import { Value } from 'typebox/value';
import { sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { loadYaml } from './load-yaml.js';
import { Reporter } from './reporter.js';
import { checkFlow } from './rules-flow.js';
import { checkAudience, checkGoal, checkTrigger } from './rules-playbook.js';
import { describeValue, isRecord, ShapeChecker } from './rules-shape.js';
import { StepRules } from './rules-steps.js';
import { TemplateRules } from './rules-templates.js';
import { Playbook } from './schema.js';
import { allSteps } from './step-tree.js';
import type { TemplateCatalog } from './template-catalog.js';

export type { Diagnostic } from './diagnostics.js';
export type { TemplateCatalog } from './template-catalog.js';

export interface ValidateOptions {
  /** Shown in diagnostics, e.g. playbooks/kickoff.yaml. */
  file: string;
  templates: TemplateCatalog;
}

export interface ValidationResult {
  /** Present exactly when there is no error (warnings allowed). */
  playbook?: Playbook;
  diagnostics: Diagnostic[];
}

function internalError(file: string, error: unknown): Diagnostic {
  const detail = error instanceof Error ? error.message : String(error);
  return {
    file,
    line: 1,
    column: 1,
    severity: 'error',
    code: 'internal.error',
    message: `the validator failed on this file (${detail}); please report it`,
  };
}

function check(source: string, options: ValidateOptions): ValidationResult {
  const { file } = options;
  if (typeof source !== 'string')
    return { diagnostics: [internalError(file, new TypeError('source is not text'))] };
  const loaded = loadYaml(source, file);
  if (loaded.diagnostics.length > 0 || !loaded.locator) return { diagnostics: loaded.diagnostics };
  const value = loaded.value;
  const report = new Reporter(file, loaded.locator);
  if (!isRecord(value)) {
    report.error(
      'type.mismatch',
      [],
      `a playbook must be a map with id, name, trigger and steps, not ${describeValue(value)}`,
    );
    return { diagnostics: report.diagnostics };
  }

  new ShapeChecker(report).playbook(value);
  checkTrigger(report, value);
  checkAudience(report, value);
  const steps = StepRules.of(report, value);
  steps.run();
  checkGoal(report, value, steps);
  const templates = new TemplateRules(report, options.templates);
  for (const node of allSteps(value.steps)) templates.step(node);
  checkFlow(report, value);

  if (report.errorCount === 0 && !Value.Check(Playbook, value)) {
    // The rules above should have caught it; say where the schema disagrees rather than pass it.
    const first = Value.Errors(Playbook, value)[0];
    const path = (first?.instancePath ?? '')
      .split('/')
      .slice(1)
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    report.error(
      'value.invalid',
      path,
      `this value does not match the playbook format (${first?.message ?? 'unknown reason'})`,
    );
  }
  return report.errorCount === 0
    ? { playbook: value as Playbook, diagnostics: report.diagnostics }
    : { diagnostics: report.diagnostics };
}

export function validatePlaybook(source: string, options: ValidateOptions): ValidationResult {
  try {
    const result = check(source, options);
    return { ...result, diagnostics: sortDiagnostics(result.diagnostics) };
  } catch (error) {
    return { diagnostics: [internalError(options.file, error)] };
  }
}
