/**
 * The email log, and the public unsubscribe link every customer email carries.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from '../app.js';
import { verifyUnsubscribeToken } from '../../activities/unsubscribe-token.js';
import { mapPage, pageRequest } from '../repositories/pagination.js';
import { errors } from '../schemas/common.js';
import { EmailListQuery, EmailPage, UnsubscribeQuery } from '../schemas/emails.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The unsubscribe link is the one place the API answers in HTML, not JSON, and on every
 * outcome, errors included: a customer clicks it in an email client and reads the answer in
 * a browser, where a JSON error body would mean nothing to them.
 */
function htmlPage(title: string, message: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title></head><body style="font-family:sans-serif;max-width:520px;margin:64px auto;padding:0 16px"><h1>${escape(title)}</h1><p>${escape(message)}</p></body></html>`;
}

const invalidLink = htmlPage(
  'This link is not valid',
  'The unsubscribe link is incomplete or was altered. Please use the link from the most recent email, or reply to it and we will remove you by hand.',
);

export async function emailRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { config } = opts.deps;
  const { accounts, emails } = app.repositories;

  app.get(
    '/emails',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['emails'],
        summary: 'The email log, newest first',
        querystring: EmailListQuery,
        response: { 200: EmailPage, ...errors(403, 404) },
      },
    },
    async (request) => {
      const { accountId } = request.query;
      let scope: string | string[] | undefined;
      if (accountId) {
        await accounts.findAccountForPrincipal(request.principal, accountId);
        scope = accountId;
      } else if (request.principal.role === 'csm') {
        scope = await accounts.accountIdsOwnedBy(request.principal.id);
      }
      const found = await emails.listEmails(scope ? { accountId: scope } : {}, pageRequest(request.query));
      return mapPage(found, (e) => ({
        id: e._id,
        runId: e.runId,
        stepId: e.stepId,
        accountId: e.accountId,
        template: e.template,
        category: e.category,
        to: e.to,
        subject: e.subject,
        status: e.status,
        createdAt: e.createdAt.toISOString(),
        ...(e.sentAt ? { sentAt: e.sentAt.toISOString() } : {}),
      }));
    },
  );

  const unsubscribe = async (token: string | undefined, reply: FastifyReply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    const claim = token ? verifyUnsubscribeToken(config.unsubscribeSecret, token) : null;
    if (!claim) return reply.status(400).send(invalidLink);
    const email = claim.email.toLowerCase();
    await emails.suppress({
      _id: `${email}:${claim.category}`,
      email,
      category: claim.category,
      createdAt: new Date(),
    });
    return reply
      .status(200)
      .send(
        htmlPage(
          'You are unsubscribed',
          `${claim.email} will no longer receive ${claim.category.replace(/[-_]/g, ' ')} emails from us.`,
        ),
      );
  };

  app.get(
    '/unsubscribe',
    {
      config: { public: true },
      schema: {
        tags: ['emails'],
        summary: 'Unsubscribe (public link in every customer email; HTML answer)',
        querystring: UnsubscribeQuery,
      },
    },
    async (request, reply) => unsubscribe(request.query.token, reply),
  );
  // RFC 8058 one-click: mail clients POST `List-Unsubscribe=One-Click` as a form to the link.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 },
    (_req, _body, done) => done(null, {}),
  );
  app.post(
    '/unsubscribe',
    {
      config: { public: true },
      schema: {
        tags: ['emails'],
        summary: 'One-click unsubscribe (RFC 8058)',
        querystring: UnsubscribeQuery,
      },
    },
    async (request, reply) => unsubscribe(request.query.token, reply),
  );
}
