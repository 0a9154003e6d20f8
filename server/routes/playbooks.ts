/**
 * Playbooks as code: CS ops upload YAML, which is validated completely (every error with its
 * line and column) before a new immutable version goes live. Runs in flight keep the version
 * they were enrolled with, so publishing or retiring never changes them.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PlaybookIndexDoc } from '../../lib/documents.js';
import type { ApiDeps } from '../app.js';
import { ApiError, notFound } from '../errors.js';
import { mapPage, pageRequest } from '../repositories/pagination.js';
import { errors, PlaybookParams } from '../schemas/common.js';
import {
  PlaybookDetail,
  PlaybookListQuery,
  PlaybookPage,
  PlaybookSource,
  playbookSourceLimit,
  Published,
  RetireInput,
  Retired,
  ValidationReport,
  VersionParams,
  yamlContentTypes,
} from '../schemas/playbooks.js';

/** `retiredAt` is written by a retire and removed when a new version makes the playbook live. */
function summary(doc: PlaybookIndexDoc) {
  return {
    id: doc._id,
    name: doc.name,
    latestVersion: doc.latestVersion,
    status: doc.retired ? ('retired' as const) : ('live' as const),
    ...(doc.retiredAt ? { retiredAt: doc.retiredAt.toISOString() } : {}),
  };
}

export async function playbookRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { engine, playbooks: store } = opts.deps;
  const { playbooks } = app.repositories;

  // YAML arrives as text; this parser is scoped to the playbook routes.
  app.addContentTypeParser(
    yamlContentTypes,
    { parseAs: 'string', bodyLimit: playbookSourceLimit },
    (_req, body, done) => done(null, body),
  );

  const yamlBody = { body: PlaybookSource, consumes: yamlContentTypes };

  app.post(
    '/playbooks',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['playbooks'],
        summary: 'Publish a playbook (YAML); a new version when it changed',
        ...yamlBody,
        response: { 200: Published, 201: Published, ...errors(403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const result = await store.publish(request.body);
      if (!result.ok) {
        const errorCount = result.diagnostics.filter((d) => d.severity !== 'warning').length;
        throw new ApiError(
          422,
          'invalid_playbook',
          `The playbook has ${errorCount} error${errorCount === 1 ? '' : 's'}; nothing was published.`,
          result.diagnostics,
        );
      }
      const { ok: _ok, ...published } = result;
      return reply.status(published.created ? 201 : 200).send(published);
    },
  );

  app.post(
    '/playbooks/validate',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['playbooks'],
        summary: 'Validate a playbook (YAML) without publishing it',
        ...yamlBody,
        response: { 200: ValidationReport, ...errors(403, 413, 415) },
      },
    },
    async (request) => store.validate(request.body),
  );

  app.get(
    '/playbooks',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['playbooks'],
        summary: 'List playbooks',
        querystring: PlaybookListQuery,
        response: { 200: PlaybookPage, ...errors(403) },
      },
    },
    async (request) => {
      const { status } = request.query;
      const found = await playbooks.listPlaybooks(status ? { status } : {}, pageRequest(request.query));
      return mapPage(found, summary);
    },
  );

  app.get(
    '/playbooks/:id',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['playbooks'],
        summary: 'Read a playbook and its versions',
        params: PlaybookParams,
        response: { 200: PlaybookDetail, ...errors(403, 404) },
      },
    },
    async (request) => {
      const doc = await playbooks.findPlaybook(request.params.id);
      if (!doc) throw notFound('Playbook', request.params.id);
      const all = await playbooks.listVersions(doc._id);
      const latest = all.find((v) => v.version === doc.latestVersion);
      return {
        ...summary(doc),
        trigger: (latest?.definition.trigger ?? {}) as Record<string, unknown>,
        // A version is stored when it is published: its createdAt is when it went live.
        versions: all.map((v) => ({
          version: v.version,
          hash: v.hash,
          publishedAt: v.createdAt.toISOString(),
        })),
      };
    },
  );

  app.get(
    '/playbooks/:id/versions/:version',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['playbooks'],
        summary: 'The YAML of a version, exactly as uploaded',
        params: VersionParams,
        response: {
          200: {
            description: 'The YAML source',
            content: { 'application/yaml': { schema: PlaybookSource } },
          },
          ...errors(403, 404),
        },
      },
    },
    async (request, reply) => {
      const { id, version } = request.params;
      const doc = await playbooks.findVersion(id, version);
      if (!doc) throw notFound('Playbook version', `${id}@${version}`);
      return reply.type('application/yaml; charset=utf-8').send(doc.source);
    },
  );

  app.post(
    '/playbooks/:id/retire',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['playbooks'],
        summary: 'Retire a playbook: no new enrolments; runs in flight finish unless cancelRunning',
        params: PlaybookParams,
        body: RetireInput,
        response: { 200: Retired, ...errors(403, 404) },
      },
    },
    async (request) => {
      const doc = await playbooks.findPlaybook(request.params.id);
      if (!doc) throw notFound('Playbook', request.params.id);
      const { cancelled, retiredAt } = await engine.retirePlaybook(doc._id, {
        cancelRunning: request.body?.cancelRunning ?? false,
        reason: `playbook ${doc._id} retired by ${request.principal.email}`,
      });
      return {
        id: doc._id,
        status: 'retired' as const,
        retiredAt: retiredAt.toISOString(),
        cancelledRuns: cancelled,
      };
    },
  );
}
