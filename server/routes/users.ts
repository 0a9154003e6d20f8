/**
 * API users (CS ops admins, CSMs, integrations). A token is returned once, at creation, and
 * stored only as a hash: losing it means creating a new user.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { UserDoc } from '../../lib/documents.js';
import { conflict } from '../errors.js';
import { hashToken, newToken } from '../plugins/auth.js';
import { mapPage, pageRequest } from '../repositories/pagination.js';
import { errors } from '../schemas/common.js';
import { CreatedUser, Me, NewUser, UserListQuery, UserPage } from '../schemas/users.js';

export function userView(user: UserDoc) {
  return {
    id: user._id,
    email: user.email,
    name: user.name,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
  };
}

export async function userRoutes(parent: FastifyInstance) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { users } = app.repositories;

  app.post(
    '/users',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['users'],
        summary: 'Create an API user and its token',
        body: NewUser,
        response: { 201: CreatedUser, ...errors(403, 409) },
      },
    },
    async (request, reply) => {
      const token = newToken();
      const email = request.body.email.toLowerCase();
      const user: UserDoc = {
        _id: `usr_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
        email,
        name: request.body.name,
        role: request.body.role,
        tokenHash: hashToken(token),
        createdAt: new Date(),
      };
      if (!(await users.insertUser(user)))
        throw conflict('email_taken', `A user with email "${email}" already exists.`);
      return reply.status(201).send({ user: userView(user), token });
    },
  );

  app.get(
    '/users',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['users'],
        summary: 'List API users',
        querystring: UserListQuery,
        response: { 200: UserPage, ...errors(403) },
      },
    },
    async (request) => {
      const { role } = request.query;
      return mapPage(await users.listUsers(role ? { role } : {}, pageRequest(request.query)), userView);
    },
  );

  app.get(
    '/users/me',
    {
      schema: {
        tags: ['users'],
        summary: 'Who am I (the user of this token)',
        response: { 200: Me, ...errors() },
      },
    },
    async (request) => request.principal,
  );
}
