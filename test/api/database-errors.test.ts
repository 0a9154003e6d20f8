import Fastify from 'fastify';
import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../lib/mongo.js';
import errorHandler from '../../server/plugins/error-handler.js';

const sqliteBusy = new MongoServerError({
  ok: 0,
  code: 1,
  codeName: 'InternalError',
  errmsg: '[collection.go:191 sqlite.(*collection).UpdateAll] database is locked (5) (SQLITE_BUSY)',
});

describe('database errors', () => {
  it('tells a database that is busy or unreachable from a bug', () => {
    expect(isDatabaseUnavailable(sqliteBusy)).toBe(true);
    expect(isDatabaseUnavailable(new MongoNetworkError('connection 3 to 127.0.0.1:27017 closed'))).toBe(true);
    expect(
      isDatabaseUnavailable(
        new MongoServerSelectionError('Server selection timed out after 5000 ms', {
          type: 'Unknown',
          servers: new Map(),
          stale: false,
          compatible: true,
          heartbeatFrequencyMS: 10000,
          localThresholdMS: 15,
          setName: null,
          maxElectionId: null,
          maxSetVersion: null,
          commonWireVersion: 0,
          logicalSessionTimeoutMinutes: null,
        } as never),
      ),
    ).toBe(true);
    expect(
      isDatabaseUnavailable(
        new MongoServerError({ ok: 0, code: 11000, errmsg: 'E11000 duplicate key error' }),
      ),
    ).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
  });

  it('answers 503 database_unavailable with Retry-After, and 500 for anything else', async () => {
    const app = Fastify({ logger: false });
    await app.register(errorHandler);
    app.get('/busy', async () => {
      throw sqliteBusy;
    });
    app.get('/bug', async () => {
      throw new TypeError('x is undefined');
    });
    const busy = await app.inject({ method: 'GET', url: '/busy' });
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.json().error.code).toBe('database_unavailable');
    const bug = await app.inject({ method: 'GET', url: '/bug' });
    expect(bug.statusCode).toBe(500);
    expect(bug.json().error.code).toBe('internal');
    await app.close();
  });
});
