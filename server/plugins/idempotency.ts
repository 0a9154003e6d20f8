/**
 * `Idempotency-Key` on ingest POSTs: integrations retry on timeouts, and a retried request
 * must record once. The first request with a key claims it (an insert on a unique `_id`,
 * so two concurrent retries cannot both run); its successful answer is stored and replayed
 * to later requests with the same key and body. The same key with a different body is a
 * client bug and gets 409 `idempotency_conflict`. A failed answer releases the key so the
 * client can retry it.
 */
import { createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { IdempotencyDoc } from '../../lib/documents.js';
import { isDuplicateKey } from '../../lib/mongo.js';
import { ApiError, conflict } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Honour the Idempotency-Key header on this route. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    /** Set when this request claimed an idempotency key; its answer will be stored. */
    idempotencyKey?: string;
    /**
     * Set by a handler whose answer is partial (a batch with items that failed for a passing
     * reason): the answer is not stored, so a retry with the same key does the missing part.
     */
    idempotencyIncomplete?: boolean;
  }
}

const keyPattern = /^[A-Za-z0-9_.:-]{1,200}$/;
/** A claim older than this belongs to a request whose process died; a retry may take it over. */
const staleClaimMs = 60_000;

/** JSON with sorted keys, so the same body hashes the same whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function hashRequest(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${canonical(request.body)}`)
    .digest('hex');
}

export default fp(async function idempotency(app: FastifyInstance, opts: { db: Db }) {
  const keys = collections(opts.db).idempotencyKeys;

  async function claim(id: string, requestHash: string): Promise<IdempotencyDoc | null> {
    try {
      await keys.insertOne({ _id: id, requestHash, status: null, body: null, createdAt: new Date() });
      return null;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const stale = new Date(Date.now() - staleClaimMs);
    const takenOver = await keys.findOneAndUpdate(
      { _id: id, status: null, createdAt: { $lt: stale } },
      { $set: { requestHash, createdAt: new Date() } },
    );
    if (takenOver) return null;
    return keys.findOne({ _id: id });
  }

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.routeOptions.config?.idempotent) return;
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    if (typeof header !== 'string' || !keyPattern.test(header)) {
      throw new ApiError(
        400,
        'invalid_idempotency_key',
        'Idempotency-Key must be 1–200 letters, digits or _ . : -.',
      );
    }
    const id = `${request.principal.id}:${header}`;
    const requestHash = hashRequest(request);
    const existing = await claim(id, requestHash);
    if (!existing) {
      request.idempotencyKey = header;
      return;
    }
    if (existing.requestHash !== requestHash) {
      throw conflict(
        'idempotency_conflict',
        'This Idempotency-Key was already used with a different request.',
      );
    }
    if (existing.status === null || existing.body === null) {
      throw conflict(
        'idempotency_in_progress',
        'A request with this Idempotency-Key is still being processed; retry shortly.',
      );
    }
    return reply
      .status(existing.status)
      .header('idempotent-replayed', 'true')
      .type('application/json; charset=utf-8')
      .send(existing.body);
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (!request.idempotencyKey) return payload;
    const id = `${request.principal.id}:${request.idempotencyKey}`;
    if (
      reply.statusCode >= 200 &&
      reply.statusCode < 300 &&
      typeof payload === 'string' &&
      !request.idempotencyIncomplete
    ) {
      await keys.updateOne(
        { _id: id },
        { $set: { status: reply.statusCode, body: payload, completedAt: new Date() } },
      );
    } else {
      await keys.deleteOne({ _id: id, status: null });
    }
    return payload;
  });
});
