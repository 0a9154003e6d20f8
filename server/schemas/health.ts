import { Type, type Static } from 'typebox';
import { enrolmentStatuses } from '../../lib/documents.js';
import { closed, DateTime, HealthBand, Id, NumericMap, PlaybookId } from './common.js';
import { RunId } from './runs.js';

/** What a trigger did for one playbook: started a run, or why not. */
export const Enrolment = Type.Object(
  {
    playbookId: PlaybookId,
    playbookVersion: Type.Union([Type.Integer(), Type.Null()]),
    runId: Type.Union([RunId, Type.Null()], {
      description: 'The run started, when status is started.',
    }),
    workflowId: Type.String({
      description: "Temporal's workflow id (one per account and playbook); the API names runs by runId.",
    }),
    control: Type.Boolean({ description: 'Enrolled in the holdout (control) group: no action is taken.' }),
    status: Type.Enum([...enrolmentStatuses]),
    reason: Type.Optional(Type.String()),
  },
  closed,
);

const Score = Type.Number({ minimum: 0, maximum: 100, description: 'Health score, 0–100.' });
const Observation = {
  score: Score,
  components: Type.Optional({
    ...NumericMap,
    description: 'The parts the score was computed from, e.g. usage, support, nps.',
  }),
  observedAt: Type.Optional({ ...DateTime, description: 'When the score was computed; defaults to now.' }),
};

export const HealthInput = Type.Object(Observation, closed);
export type HealthInput = Static<typeof HealthInput>;

export const HealthResult = Type.Object(
  {
    accountId: Id,
    score: Type.Number(),
    band: HealthBand,
    previousBand: Type.Union([HealthBand, Type.Literal('none')], {
      description: '"none" for the first score of an account.',
    }),
    enrolments: Type.Array(Enrolment),
  },
  closed,
);

export const HealthBatch = Type.Object(
  {
    items: Type.Array(Type.Object({ accountId: Id, ...Observation }, closed), {
      minItems: 1,
      maxItems: 1000,
    }),
  },
  closed,
);
export type HealthBatch = Static<typeof HealthBatch>;

export const HealthBatchItemResult = Type.Object(
  {
    index: Type.Integer(),
    accountId: Type.String(),
    status: Type.Union([Type.Literal('recorded'), Type.Literal('failed')]),
    band: Type.Optional(HealthBand),
    previousBand: Type.Optional(Type.Union([HealthBand, Type.Literal('none')])),
    enrolments: Type.Optional(Type.Array(Enrolment)),
    error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() }, closed)),
  },
  closed,
);

export const HealthBatchResult = Type.Object(
  { recorded: Type.Integer(), failed: Type.Integer(), results: Type.Array(HealthBatchItemResult) },
  closed,
);
