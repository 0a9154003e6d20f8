import { Type } from 'typebox';
import { closed, Segment } from './common.js';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A UTC date, YYYY-MM-DD.' });
const Rate = Type.Union([Type.Number(), Type.Null()]);

export const KpiQuery = Type.Object(
  {
    from: Day,
    to: Day,
    segment: Type.Optional(Segment),
    groupBy: Type.Optional(Type.Union([Type.Literal('segment'), Type.Literal('plan')])),
    onboardingWindowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
    grossMargin: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  },
  closed,
);

export const PeriodQuery = Type.Object({ from: Day, to: Day }, closed);

const KpiBlock = Type.Object(
  {
    accounts: Type.Object(
      { atStart: Type.Integer(), new: Type.Integer(), churned: Type.Integer(), atEnd: Type.Integer() },
      closed,
    ),
    customerChurnRate: Rate,
    retentionRate: Rate,
    mrr: Type.Object(
      {
        atStart: Type.Number(),
        expansion: Type.Number(),
        contraction: Type.Number(),
        churned: Type.Number(),
        atEnd: Type.Number(),
      },
      closed,
    ),
    revenueChurnRate: Rate,
    grossRevenueRetention: Rate,
    netRevenueRetention: Rate,
    upsellRate: Rate,
    crossSellRate: Rate,
    onboarding: Type.Object({ cohort: Type.Integer(), completed: Type.Integer(), rate: Rate }, closed),
    nps: Type.Object(
      {
        responses: Type.Integer(),
        promoters: Type.Integer(),
        passives: Type.Integer(),
        detractors: Type.Integer(),
        score: Rate,
      },
      closed,
    ),
    arpa: Rate,
    ltv: Rate,
  },
  closed,
);

export const KpiReport = Type.Object(
  {
    period: Type.Object({ from: Type.String(), to: Type.String() }, closed),
    segment: Type.Optional(Segment),
    total: KpiBlock,
    groups: Type.Optional(
      Type.Array(Type.Object({ key: Type.String(), ...KpiBlock.properties }, closed), {
        description: 'With groupBy: one block per segment or plan, sorted by key.',
      }),
    ),
  },
  closed,
);

const GroupFigures = {
  runs: Type.Integer(),
  finished: Type.Integer(),
  goalReached: Type.Integer(),
  goalRate: Rate,
  medianDaysToGoal: Rate,
};

export const Effectiveness = Type.Object(
  {
    period: Type.Object({ from: Type.String(), to: Type.String() }, closed),
    playbooks: Type.Array(
      Type.Object(
        {
          playbookId: Type.String(),
          ...GroupFigures,
          control: Type.Optional(Type.Object(GroupFigures, closed)),
          lift: Type.Optional(Rate),
        },
        closed,
      ),
    ),
  },
  closed,
);

export const Operations = Type.Object(
  {
    period: Type.Object({ from: Type.String(), to: Type.String() }, closed),
    healthBands: Type.Object(
      { green: Type.Integer(), yellow: Type.Integer(), red: Type.Integer() },
      { ...closed, description: 'Accounts per band at `to`.' },
    ),
    tasks: Type.Array(
      Type.Object(
        { assignee: Type.String(), open: Type.Integer(), overdue: Type.Integer(), completed: Type.Integer() },
        closed,
      ),
    ),
  },
  closed,
);
