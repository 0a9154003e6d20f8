/**
 * Test harness for integration tests against real servers. One stack (Temporal dev server
 * and a MongoDB-protocol server) is started for the whole run by test/global-setup.ts; each
 * file calls useIntegration() for its own database, task queue and SMTP capture. For
 * days-long waits use createTimeSkippingEnvironment() from lib/stack.ts instead.
 */
export { useIntegration, type Integration } from './integration.js';
export { workflowBundle } from './bundle.js';
export { uniqueName } from './names.js';
export type { CapturedMail, SmtpCapture } from '../../lib/smtp-capture.js';
export { readRun } from './runs.js';
