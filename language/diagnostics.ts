/**
 * What the validator reports: one diagnostic per problem, with a stable code that tools and
 * tests can rely on, a 1-based line and column, and a message written for CS-ops authors.
 */
export type Severity = 'error' | 'warning';

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
}

/** Every code the validator emits, with what it means. Codes never change meaning once shipped. */
export const diagnosticCodes = {
  // Input and YAML
  'input.unreadable': 'The file could not be read (missing, a directory, no permission).',
  'input.too_large': 'The file is larger than the validator accepts (256 KiB).',
  'yaml.syntax': 'The file is not valid YAML (bad indentation, an unclosed quote, a tab, …).',
  'yaml.alias': 'The file uses too many YAML aliases (*name); playbooks do not need them.',
  'yaml.depth': 'The file is nested deeper than any playbook needs.',
  'key.duplicate': 'The same key appears twice in one map.',
  // Shape
  'key.unknown': 'A key that this part of a playbook does not have; usually a typo (a suggestion is given).',
  'field.missing': 'A required field is missing.',
  'type.mismatch': 'A value of the wrong kind, e.g. a list where a map is expected.',
  'value.not_allowed': 'A value that is not one of the allowed choices.',
  'value.invalid': 'A text value that does not have the expected form.',
  'value.length': 'A text value that is empty or too long.',
  'value.range': 'A number outside its allowed range.',
  'list.empty': 'A list that must have at least one item is empty.',
  'list.duplicate': 'A list that must not repeat items repeats one.',
  'id.invalid': 'An id or name that is not lower-case letters, digits, "-" and "_", starting with a letter.',
  'duration.invalid': 'A duration that is not a whole number followed by m, h, d or w.',
  'percentage.invalid': 'A percentage that is not a number followed by %.',
  'holdout.range': 'A holdout share outside 0%–50%.',
  // Steps
  'step.unknown_kind':
    'A step that has none of the step kinds (email, task, wait, waitFor, if, switch, notify, outcome, update).',
  'step.multiple_kinds': 'A step with two kinds; split it into two steps.',
  'step.duplicate_id': 'Two steps with the same id.',
  'step.unknown_ref': 'A reference to a step id that no step has.',
  'step.ref_not_yet':
    'A reference to a step that cannot have run yet at that point (later, or in another branch).',
  'step.not_a_task': 'waitFor.task names a step that is not a task.',
  'waitfor.target': 'waitFor needs exactly one of task or event.',
  'notify.content': 'notify needs a template or a message.',
  // Templates
  'template.unknown': 'An email or notification template that does not exist.',
  'template.syntax': 'A template (file or inline text) with a Handlebars syntax error.',
  'template.unknown_field': 'An inline template that reads a variable or field the context does not have.',
  'template.unknown_helper': 'An inline template that calls a helper that does not exist.',
  'template.unsupported': 'An inline template using partials or decorators.',
  'template.prototype_access':
    'A template reading __proto__, constructor or prototype (a path segment or a lookup key).',
  // Expressions
  'expr.syntax': 'An expression that is not valid CEL.',
  'expr.type':
    'An expression with a type error: unknown variable or field, comparing a number with text, a condition that is not true/false.',
  'expr.unsupported':
    'An expression using a construct playbooks forbid (regular expressions, cel.bind, deep nesting).',
  'expr.scope': 'An expression reading a variable that is not available there (e.g. steps in trigger.when).',
  // Trigger
  'trigger.missing_param':
    'The trigger needs a parameter (daysBefore for renewal.approaching, event for event).',
  'trigger.unexpected_param': 'A trigger parameter that the chosen trigger does not use.',
  // Internal
  'internal.error': 'The validator failed on this input; please report it.',
  // Warnings
  'step.unreachable': 'Warning: a step that can never run, e.g. after an outcome with end: true.',
  'branch.unreachable': 'Warning: a branch that can never be taken (constant condition, repeated case).',
  'email.high_touch_without_task':
    'Warning: a high-touch-only playbook that sends email but gives the CSM no task.',
  'goal.never_missed': 'Warning: goal.missedOutcome without goal.within is never recorded.',
} as const;

export type DiagnosticCode = keyof typeof diagnosticCodes;

/** Stable order: by position, errors before warnings at the same place. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
      a.code.localeCompare(b.code),
  );
}

/** `file:line:col: error CODE message`, the form compilers and editors understand. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code} ${d.message}`;
}
