import type { Db } from 'mongodb';
import type { Transporter } from 'nodemailer';
import type { RunExecution } from '../workflows/contract.js';

/** What activities need from the process that hosts them; injected by the worker (and tests). */
export interface ActivityDeps {
  db: Db;
  mailer: Transporter;
  config: {
    mailFrom: string;
    publicUrl: string;
    unsubscribeSecret: string;
    /** Folder of `<template>.hbs` files. */
    templatesDir: string;
    webhookUrl?: string;
  };
  /** Test-only fault injection: called right after SMTP accepted a message. */
  afterSmtpAccepted?: (info: { runId: string; stepId: string; attempt: number }) => void | Promise<void>;
}

/** Identifies the run a step belongs to; every record written for a step is keyed by both (lib/ids.ts). */
export interface StepRef extends RunExecution {
  runId: string;
  stepId: string;
  accountId: string;
  playbookId: string;
}
