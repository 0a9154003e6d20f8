/**
 * Bearer-token authentication and role checks. Tokens are random, shown once, stored as
 * SHA-256 hashes; ADMIN_TOKEN from the environment is the way into a fresh install.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { Role } from '../../lib/documents.js';
import { ApiError } from '../errors.js';

export interface Principal {
  id: string;
  email: string;
  name: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; omitted = any authenticated principal. `public` skips auth. */
    roles?: Role[];
    public?: boolean;
  }
}

export function newToken(): string {
  return `rt_${randomBytes(24).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

const bootstrapAdmin: Principal = {
  id: 'admin',
  email: 'admin@retain.local',
  name: 'Administrator (ADMIN_TOKEN)',
  role: 'admin',
};

export async function authenticate(
  db: Db,
  adminToken: string | undefined,
  header: string | undefined,
): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match)
    throw new ApiError(401, 'unauthenticated', 'Send your API token as "Authorization: Bearer <token>".');
  const token = match[1];
  if (adminToken && sameSecret(token, adminToken)) return bootstrapAdmin;
  const user = await collections(db).users.findOne({ tokenHash: hashToken(token) });
  if (!user) throw new ApiError(401, 'invalid_token', 'This API token is unknown or was revoked.');
  return { id: user._id, email: user.email, name: user.name, role: user.role };
}

/** Applies to every route of the instance it is registered on (the /v1 scope). */
export default fp(async function auth(
  app: FastifyInstance,
  opts: { db: Db; adminToken: string | undefined },
) {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const config = request.routeOptions.config;
    if (config?.public) return;
    request.principal = await authenticate(opts.db, opts.adminToken, request.headers.authorization);
    const roles = config?.roles;
    if (roles && !roles.includes(request.principal.role)) {
      throw new ApiError(
        403,
        'forbidden',
        `Your role (${request.principal.role}) may not do this; it needs ${roles.join(' or ')}.`,
      );
    }
  });
});
