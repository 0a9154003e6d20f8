/**
 * The self-check's side effects: one write to MongoDB and one email through nodemailer. It
 * exists to prove the wiring (worker ↔ Temporal ↔ MongoDB ↔ SMTP) end to end, in tests and
 * on a fresh install, without involving any playbook.
 */
import type { Db } from 'mongodb';
import type { Transporter } from 'nodemailer';
import { collections } from '../lib/collections.js';

export interface SelfCheckDeps {
  db: Db;
  mailer: Transporter;
  mailFrom: string;
}

export function createSelfCheckActivities({ db, mailer, mailFrom }: SelfCheckDeps) {
  return {
    /** Upsert keyed by the check's id, so a retried activity writes the same single document. */
    async recordSelfCheck(input: { checkId: string; note: string }): Promise<void> {
      await collections(db).selfChecks.updateOne(
        { _id: input.checkId },
        { $set: { note: input.note }, $setOnInsert: { workflowRecordedAt: new Date() } },
        { upsert: true },
      );
    },

    async sendSelfCheckEmail(input: { checkId: string; to: string }): Promise<{ messageId: string }> {
      const info = await mailer.sendMail({
        from: mailFrom,
        to: input.to,
        subject: `Retain self-check ${input.checkId}`,
        text: `Retain's worker reached MongoDB and this SMTP server.\n\nCheck: ${input.checkId}\n`,
        headers: { 'X-Retain-Self-Check': input.checkId },
      });
      return { messageId: String(info.messageId) };
    },
  };
}

export type SelfCheckActivities = ReturnType<typeof createSelfCheckActivities>;
