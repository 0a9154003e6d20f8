/**
 * Bearer-token authentication and role checks. Tokens are random, shown once, stored as
 * SHA-256 hashes; ADMIN_TOKEN from the environment is the way into a fresh install.
 *
 * A token found in the database is remembered for TOKEN_CACHE_SECONDS (at most 60) so a
 * request does not cost a look-up: a token revoked or rotated in the database (or a user
 * removed, or given another role) keeps working, on an API process that used it, until its
 * entry expires. Unknown tokens are not remembered.
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

/** The most tokens remembered at once; the oldest entry goes first. */
const maxCachedTokens = 10_000;

/** Principals by token hash, each trusted for `ttlMs` after its look-up; bounded in size. */
export class PrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = maxCachedTokens,
  ) {}

  get(tokenHash: string): Principal | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.expiresAt > this.now()) return entry.principal;
    this.entries.delete(tokenHash);
    return undefined;
  }

  set(tokenHash: string, principal: Principal): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(tokenHash);
    // Map keeps insertion order: the first key is the oldest entry.
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tokenHash, { principal, expiresAt: this.now() + this.ttlMs });
  }

  get size(): number {
    return this.entries.size;
  }
}

export async function authenticate(
  db: Db,
  adminToken: string | undefined,
  header: string | undefined,
  cache?: PrincipalCache,
): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match)
    throw new ApiError(401, 'unauthenticated', 'Send your API token as "Authorization: Bearer <token>".');
  const token = match[1];
  if (adminToken && sameSecret(token, adminToken)) return bootstrapAdmin;
  const tokenHash = hashToken(token);
  const cached = cache?.get(tokenHash);
  if (cached) return cached;
  const user = await collections(db).users.findOne({ tokenHash });
  if (!user) throw new ApiError(401, 'invalid_token', 'This API token is unknown or was revoked.');
  const principal: Principal = { id: user._id, email: user.email, name: user.name, role: user.role };
  cache?.set(tokenHash, principal);
  return principal;
}

/** Applies to every route of the instance it is registered on (the /v1 scope). */
export default fp(async function auth(
  app: FastifyInstance,
  opts: {
    db: Db;
    adminToken: string | undefined;
    /** TOKEN_CACHE_SECONDS; 0 looks the token up on every request. */
    tokenCacheSeconds: number;
    /** The clock of the cache (tests move it). */
    now?: () => number;
  },
) {
  const cache = new PrincipalCache(opts.tokenCacheSeconds * 1000, opts.now);
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const config = request.routeOptions.config;
    if (config?.public) return;
    request.principal = await authenticate(opts.db, opts.adminToken, request.headers.authorization, cache);
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
