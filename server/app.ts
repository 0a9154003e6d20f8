/**
 * The API as a Fastify application, separate from the process that listens (server/main.ts),
 * so tests build it and call `app.inject()` or listen on port 0.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db } from 'mongodb';
import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config.js';
import type { AccountDoc } from '../lib/documents.js';
import { pingMongo } from '../lib/mongo.js';
import { createPlaybookPublisher, createPlaybookValidator } from './playbook-uploads.js';
import { createEngine, type Engine } from '../engine/index.js';
import {
  recordAccount,
  recordAccountEvents,
  recordNps,
  type KpiEventInput,
  type NpsResponseInput,
} from '../kpis/index.js';
import { ApiError, errorBody } from './errors.js';
import errorHandler from './plugins/error-handler.js';
import httpMetrics from './plugins/metrics.js';
import platform from './plugins/platform.js';
import { createValidatorCompiler } from './plugins/validation.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { apiRoutes } from './routes/index.js';

/** The KPI rollups kept up to date as data arrives (kpis/). */
export interface ApiKpis {
  recordAccount(db: Db, account: AccountDoc): Promise<unknown>;
  recordAccountEvents(db: Db, events: KpiEventInput[]): Promise<unknown>;
  recordNps(db: Db, response: NpsResponseInput): Promise<{ id: string }>;
}

export interface PlaybookDiagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  severity?: 'error' | 'warning';
  path?: string;
  code?: string;
}

/** Validation and publication of playbook YAML (language/ and catalog/). */
export interface ApiPlaybookStore {
  validate(source: string): Promise<{ valid: boolean; diagnostics: PlaybookDiagnostic[] }>;
  publish(source: string): Promise<
    | {
        ok: true;
        id: string;
        name: string;
        version: number;
        hash: string;
        created: boolean;
        diagnostics: PlaybookDiagnostic[];
      }
    | { ok: false; diagnostics: PlaybookDiagnostic[] }
  >;
}

/** Everything the API uses: what the route plugins receive. */
export interface ApiDeps {
  config: Config;
  db: Db;
  temporal: Client;
  engine: Engine;
  kpis: ApiKpis;
  playbooks: ApiPlaybookStore;
}

/**
 * What buildApp needs: the engine, KPI recorders and playbook store are built from the others
 * when not given (tests may pin the engine's clock).
 */
type GivenDeps = Pick<ApiDeps, 'config' | 'db' | 'temporal'> & Partial<ApiDeps>;

function resolveDeps(deps: GivenDeps): ApiDeps {
  const { config, db, temporal } = deps;
  return {
    ...deps,
    engine:
      deps.engine ??
      createEngine({
        db,
        temporal,
        taskQueue: config.taskQueue,
        thresholds: config.healthThresholds,
      }),
    kpis: deps.kpis ?? { recordAccount, recordAccountEvents, recordNps },
    playbooks: deps.playbooks ?? {
      validate: createPlaybookValidator(),
      publish: createPlaybookPublisher(db),
    },
  };
}

export async function pingTemporal(temporal: Client): Promise<boolean> {
  try {
    await temporal.connection.withDeadline(Date.now() + 3_000, () =>
      temporal.connection.workflowService.getSystemInfo({}),
    );
    return true;
  } catch {
    return false;
  }
}

export async function buildApp(
  deps: GivenDeps,
  options: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: 5 * 1024 * 1024,
    // Errors the router raises before any route runs (a malformed %-escape, an over-long id)
    // answer in the API's error format like every other 4xx.
    frameworkErrors: (err, _request, reply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      (reply as unknown as { status(code: number): { send(body: unknown): void } })
        .status(tooLong ? 414 : 400)
        .send(
          errorBody(
            tooLong ? 'url_too_long' : 'invalid_url',
            tooLong
              ? 'A path segment of the URL is too long.'
              : 'The URL is not valid (a malformed %-escape?).',
          ),
        );
    },
    ...options,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // JSON bodies must be valid UTF-8: a byte that is not would otherwise be stored as U+FFFD.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      return done(new ApiError(400, 'invalid_utf8', 'The body is not valid UTF-8.'), undefined);
    }
    void parseJson(request, text, done);
  });
  // Unknown fields are rejected by the schemas (additionalProperties: false), never stripped
  // silently; bodies are not coerced.
  app.setValidatorCompiler(createValidatorCompiler());

  await app.register(errorHandler);
  await app.register(httpMetrics);
  await app.register(platform, { rateLimitPerMinute: deps.config.rateLimitPerMinute });
  await app.register(healthRoutes, {
    checks: { mongodb: () => pingMongo(deps.db), temporal: () => pingTemporal(deps.temporal) },
  });
  await app.register(metricsRoutes, { db: deps.db, config: deps.config });
  await app.register(apiRoutes, { prefix: '/v1', deps: resolveDeps(deps) });
  return app;
}
