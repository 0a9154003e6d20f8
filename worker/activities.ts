import type { Db } from 'mongodb';
import type { Transporter } from 'nodemailer';
import type { Config } from '../lib/config.js';
import type { Engine } from '../engine/index.js';
import { createActivities } from '../activities/index.js';
import { createSelfCheckActivities } from '../activities/self-check.js';
import { createRenewalScanActivities } from '../activities/renewal-scan.js';

/**
 * Every activity the worker serves, with its dependencies injected. `engine` is built once per
 * worker; the renewal scan starts its runs through it.
 */
export function createWorkerActivities({
  config,
  db,
  mailer,
  engine,
}: {
  config: Config;
  db: Db;
  mailer: Transporter;
  engine: Engine;
}) {
  return {
    ...createSelfCheckActivities({ db, mailer, mailFrom: config.mailFrom }),
    ...createRenewalScanActivities({ engine }),
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
