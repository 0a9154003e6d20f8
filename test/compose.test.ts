/**
 * There is no Docker engine on the build machines, so docker-compose.yml is checked here:
 * every service the app needs exists, the API and the worker get every variable lib/config.ts
 * requires (with values it accepts), and each address points at a service that listens there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { configVariables, loadConfig } from '../lib/config.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}

const compose = parse(readFileSync(`${root}/docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;

/** Environment as the container sees it when the user sets nothing: `${X:-default}` → default. */
function containerEnv(service: Service): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(service.environment ?? {})) {
    env[name] = String(value ?? '')
      .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')
      .replace(/\$\$/g, '$');
  }
  return env;
}

/** Container-side ports a service publishes or is known to listen on. */
function containerPorts(service: Service): number[] {
  return (service.ports ?? []).map((mapping) => Number(String(mapping).split(':').at(-1)));
}

function dependsOn(service: Service): string[] {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
}

const appServices = { api: 'server/main.ts', worker: 'worker/main.ts' } as const;

describe('docker-compose.yml', () => {
  test('has Temporal with its Web UI, MongoDB, Mailpit, the API and the worker', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['temporal', 'temporal-ui', 'mongodb', 'mailpit', 'api', 'worker']),
    );
    expect(services.mongodb.image).toMatch(/^mongo:/);
    expect(services.mailpit.image).toMatch(/mailpit/);
    expect(services.temporal.image).toMatch(/^temporalio\//);
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui/);
  });

  test('Temporal keeps its state in a database service of its own', () => {
    const env = containerEnv(services.temporal);
    expect(
      services[env.POSTGRES_SEEDS],
      `POSTGRES_SEEDS=${env.POSTGRES_SEEDS} names no service`,
    ).toBeDefined();
    expect(dependsOn(services.temporal)).toContain(env.POSTGRES_SEEDS);
  });

  test.each(Object.entries(appServices))(
    '%s is built from the project Dockerfile and runs %s',
    (name, entry) => {
      const service = services[name];
      const context = typeof service.build === 'string' ? service.build : service.build?.context;
      expect(context).toBe('.');
      expect(existsSync(`${root}/Dockerfile`)).toBe(true);
      expect(service.command).toEqual([entry]);
      expect(existsSync(`${root}/${entry}`)).toBe(true);
    },
  );

  test.each(Object.keys(appServices))(
    '%s gets every required variable, and lib/config.ts accepts the values',
    (name) => {
      const env = containerEnv(services[name]);
      const required = configVariables.filter((v) => v.required).map((v) => v.name);
      expect(required.length).toBeGreaterThan(0);
      for (const variable of required) expect(env, `${name} lacks ${variable}`).toHaveProperty(variable);
      expect(() => loadConfig(env)).not.toThrow();
    },
  );

  test.each(Object.keys(appServices))('%s sets only variables lib/config.ts knows (no typos)', (name) => {
    const known = new Set<string>(configVariables.map((v) => v.name));
    const unknown = Object.keys(containerEnv(services[name])).filter((variable) => !known.has(variable));
    expect(unknown).toEqual([]);
  });

  test('the API publishes its PORT, listens on all interfaces and has the secrets a deployment sets', () => {
    const env = containerEnv(services.api);
    expect(containerPorts(services.api)).toContain(Number(env.PORT));
    expect(env.HOST).toBe('0.0.0.0');
    for (const variable of ['ADMIN_TOKEN', 'PUBLIC_URL', 'UNSUBSCRIBE_SECRET']) {
      expect(
        services.api.environment?.[variable],
        `${variable} should be overridable: \${${variable}:-…}`,
      ).toMatch(new RegExp(`^\\$\\{${variable}:-.+\\}$`));
    }
  });

  test.each(Object.keys(appServices))(
    '%s reaches Temporal, MongoDB and SMTP at services that listen there',
    (name) => {
      const env = containerEnv(services[name]);
      const targets = [
        {
          variable: 'TEMPORAL_ADDRESS',
          url: new URL(`grpc://${env.TEMPORAL_ADDRESS}`),
          listens: { temporal: 7233 },
        },
        { variable: 'MONGODB_URI', url: new URL(env.MONGODB_URI), listens: { mongodb: 27017 } },
        { variable: 'SMTP_URL', url: new URL(env.SMTP_URL), listens: { mailpit: 1025 } },
      ];
      for (const { variable, url, listens } of targets) {
        const [service, port] = Object.entries(listens)[0];
        expect(url.hostname, variable).toBe(service);
        expect(Number(url.port || port), variable).toBe(port);
        expect(dependsOn(services[name]), `${name} should depend on ${service}`).toContain(service);
      }
      // The images' own listening ports, which the published mappings confirm.
      expect(containerPorts(services.temporal)).toContain(7233);
      expect(containerPorts(services.mailpit)).toContain(1025);
    },
  );

  test('the Temporal Web UI points at the Temporal service and is published', () => {
    expect(containerEnv(services['temporal-ui']).TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(containerPorts(services['temporal-ui'])).toContain(8080);
  });
});
