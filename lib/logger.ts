import { pino, type Logger } from 'pino';

/** Structured JSON logs (pino) for both processes; `name` tells api from worker. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { service: name } });
}
export type { Logger };
