/**
 * Playbook format v1: the one schema from which the TypeScript types, the runtime validation
 * and the published JSON Schema (language/playbook.schema.json) all derive.
 *
 * This module is imported by workflow code, so it must stay free of Node built-ins.
 */
import { Type, type Static, type TSchema } from 'typebox';

const strict = { additionalProperties: false } as const;

/** `30m`, `12h`, `2d`, `1w` — minutes, hours, days, weeks. */
export const Duration = Type.String({
  pattern: '^[1-9][0-9]{0,4}(m|h|d|w)$',
  description:
    'A duration: a whole number followed by m (minutes), h (hours), d (days) or w (weeks), e.g. 30m, 2d, 1w.',
});

/** An expression in CEL, e.g. `health.score < 40 && account.segment == "tech-touch"`. */
export const Expression = Type.String({
  minLength: 1,
  description:
    'A condition in CEL (Common Expression Language) over account, health, previous, steps, run, event.',
});

export const Identifier = Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,62}$',
  description: 'Lower-case letters, digits, "-" and "_", starting with a letter.',
});

export const Segment = Type.Union(
  [Type.Literal('high-touch'), Type.Literal('low-touch'), Type.Literal('tech-touch')],
  { description: 'Touch model of the account.' },
);

export const OutcomeName = Type.String({
  pattern: '^[a-z][a-z0-9_]{0,62}$',
  description: 'An outcome name in snake_case, e.g. rescued, onboarding_completed.',
});

export const Priority = Type.Union([
  Type.Literal('low'),
  Type.Literal('normal'),
  Type.Literal('high'),
  Type.Literal('urgent'),
]);

export const Audience = Type.Object(
  {
    segments: Type.Optional(Type.Array(Segment, { minItems: 1, uniqueItems: true })),
    when: Type.Optional(Expression),
  },
  {
    ...strict,
    description: 'Which accounts may be enrolled: by segment and/or an expression over account and health.',
  },
);

export const TriggerOn = Type.Union([
  Type.Literal('account.created'),
  Type.Literal('health.changed'),
  Type.Literal('renewal.approaching'),
  Type.Literal('event'),
  Type.Literal('manual'),
]);

export const Trigger = Type.Object(
  {
    on: TriggerOn,
    when: Type.Optional(Expression),
    daysBefore: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 730, description: 'renewal.approaching: days before renewalAt.' }),
    ),
    event: Type.Optional(
      Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,62}$', description: 'event: the account event name.' }),
    ),
  },
  { ...strict, description: 'What enrols an account.' },
);

export const Enrollment = Type.Object(
  {
    cooldown: Type.Optional(Duration),
    holdout: Type.Optional(
      Type.String({
        pattern: '^(50(\\.0+)?|[1-4]?[0-9](\\.[0-9]+)?)%$',
        description: 'Share of eligible accounts kept as a control group, 0%–50%, e.g. 10%.',
      }),
    ),
  },
  strict,
);

export const Goal = Type.Object(
  {
    when: Expression,
    outcome: OutcomeName,
    within: Type.Optional(Duration),
    missedOutcome: Type.Optional(OutcomeName),
  },
  {
    ...strict,
    description:
      'Ends the run early with `outcome` whenever `when` holds; after `within`, ends it with `missedOutcome`.',
  },
);

const stepId = { id: Type.Optional(Identifier) };
const StepList = Type.Array(Type.Ref('Step'), { minItems: 1 });

/** Who receives an email: the primary contact, every contact, or contacts with a role. */
export const Recipient = Type.String({
  pattern: '^(primary|all|role:[a-z][a-z0-9_-]*)$',
  description: 'primary (the primary contact, default), all (every contact) or role:<role>, e.g. role:admin.',
});

export const EmailStep = Type.Object(
  {
    ...stepId,
    email: Type.Object({ template: Identifier, to: Type.Optional(Recipient) }, strict),
  },
  strict,
);

export const TaskStep = Type.Object(
  {
    id: Identifier,
    task: Type.Object(
      {
        title: Type.String({ minLength: 1, maxLength: 200 }),
        description: Type.Optional(Type.String({ maxLength: 5000 })),
        assignee: Type.Optional(
          Type.String({ minLength: 1, description: '`csm` (the account owner, default) or a user email.' }),
        ),
        due: Type.Optional(Duration),
        priority: Type.Optional(Priority),
        outcomes: Type.Optional(Type.Array(OutcomeName, { minItems: 1, uniqueItems: true })),
      },
      strict,
    ),
  },
  strict,
);

export const WaitStep = Type.Object({ ...stepId, wait: Duration }, strict);

export const WaitForStep = Type.Object(
  {
    ...stepId,
    waitFor: Type.Object(
      {
        task: Type.Optional(Identifier),
        event: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,62}$' })),
        timeout: Duration,
        onTimeout: Type.Optional(StepList),
      },
      strict,
    ),
  },
  strict,
);

export const IfStep = Type.Object(
  { ...stepId, if: Expression, then: StepList, else: Type.Optional(StepList) },
  strict,
);

export const SwitchStep = Type.Object(
  {
    ...stepId,
    switch: Type.Object(
      {
        cases: Type.Array(Type.Object({ when: Expression, then: StepList }, strict), { minItems: 1 }),
        default: Type.Optional(StepList),
      },
      strict,
    ),
  },
  strict,
);

export const NotifyStep = Type.Object(
  {
    ...stepId,
    notify: Type.Object(
      {
        to: Type.Union([Type.Literal('csm'), Type.Literal('webhook')]),
        template: Type.Optional(Identifier),
        message: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
      },
      strict,
    ),
  },
  strict,
);

export const OutcomeStep = Type.Object(
  {
    ...stepId,
    outcome: Type.Union([
      OutcomeName,
      Type.Object({ name: OutcomeName, end: Type.Optional(Type.Boolean()) }, strict),
    ]),
  },
  strict,
);

export const UpdateStep = Type.Object(
  {
    ...stepId,
    update: Type.Object(
      {
        field: Type.String({
          pattern: '^(lifecycle|attributes\\.[a-zA-Z][a-zA-Z0-9_]{0,62})$',
          description: 'The account field to set: lifecycle, or attributes.<name>.',
        }),
        value: Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
      },
      strict,
    ),
  },
  strict,
);

/** The closed set of step kinds; the key that names the kind in YAML. */
export const stepKinds = {
  email: EmailStep,
  task: TaskStep,
  wait: WaitStep,
  waitFor: WaitForStep,
  if: IfStep,
  switch: SwitchStep,
  notify: NotifyStep,
  outcome: OutcomeStep,
  update: UpdateStep,
} as const satisfies Record<string, TSchema>;
export type StepKind = keyof typeof stepKinds;

export const Step = Type.Cyclic(
  {
    Step: Type.Union([
      EmailStep,
      TaskStep,
      WaitStep,
      WaitForStep,
      IfStep,
      SwitchStep,
      NotifyStep,
      OutcomeStep,
      UpdateStep,
    ]),
  },
  'Step',
);

export const Playbook = Type.Object(
  {
    id: Identifier,
    name: Type.String({ minLength: 1, maxLength: 120 }),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    audience: Type.Optional(Audience),
    trigger: Trigger,
    enrollment: Type.Optional(Enrollment),
    goal: Type.Optional(Goal),
    steps: Type.Array(Step, { minItems: 1 }),
  },
  { ...strict, title: 'Retain playbook (format v1)' },
);

export type Playbook = Static<typeof Playbook>;
export type Step = Static<typeof Step>;
export type EmailStep = Static<typeof EmailStep>;
export type TaskStep = Static<typeof TaskStep>;
export type WaitStep = Static<typeof WaitStep>;
export type WaitForStep = Static<typeof WaitForStep>;
export type IfStep = Static<typeof IfStep>;
export type SwitchStep = Static<typeof SwitchStep>;
export type NotifyStep = Static<typeof NotifyStep>;
export type OutcomeStep = Static<typeof OutcomeStep>;
export type UpdateStep = Static<typeof UpdateStep>;
export type Trigger = Static<typeof Trigger>;
export type TriggerOn = Static<typeof TriggerOn>;
export type Goal = Static<typeof Goal>;
export type Segment = Static<typeof Segment>;
export type Priority = Static<typeof Priority>;

/** The kind of a validated step: the one kind key it carries. */
export function stepKind(step: Step): StepKind {
  for (const kind of Object.keys(stepKinds) as StepKind[]) if (kind in step) return kind;
  throw new Error('step has no kind');
}
