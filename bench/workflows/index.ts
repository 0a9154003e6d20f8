/** The bench worker's workflows: the engine's own, and the hand-written baseline. */
export { playbookRun } from '../../workflows/playbook-run.js';
export { handwrittenOnboarding } from './handwritten-onboarding.js';
export { bareHold } from './bare-hold.js';
