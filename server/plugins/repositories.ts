import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';
import { createRepositories, type Repositories } from '../repositories/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The API's data access (server/repositories/), one repository per resource. */
    repositories: Repositories;
  }
}

/** Decorates the instance with the repositories over `db`; the connection is the process's to close. */
export default fp(
  async function repositories(app: FastifyInstance, opts: { db: Db }) {
    app.decorate('repositories', createRepositories(opts.db));
  },
  { name: 'repositories' },
);
