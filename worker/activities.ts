import type { Db } from 'mongodb';
import type { Transporter } from 'nodemailer';
import type { Config } from '../lib/config.js';
import { createActivities } from '../activities/index.js';
import { createSelfCheckActivities } from '../activities/self-check.js';
import { createRenewalScanActivities } from '../activities/renewal-scan.js';

/** Every activity the worker serves, with its dependencies injected. */
export function createWorkerActivities({
  config,
  db,
  mailer,
}: {
  config: Config;
  db: Db;
  mailer: Transporter;
}) {
  return {
    ...createSelfCheckActivities({ db, mailer, mailFrom: config.mailFrom }),
    ...createRenewalScanActivities({
      db,
      taskQueue: config.taskQueue,
      thresholds: { green: config.healthGreen, red: config.healthRed },
    }),
    ...createActivities({
      db,
      mailer,
      config: {
        mailFrom: config.mailFrom,
        publicUrl: config.publicUrl,
        unsubscribeSecret: config.unsubscribeSecret,
        templatesDir: new URL('../playbooks/templates/', import.meta.url).pathname,
        webhookUrl: config.webhookUrl,
      },
    }),
  };
}
