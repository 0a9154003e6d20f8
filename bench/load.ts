/**
 * One autocannon run, in a process of its own so that the load generator does not share an
 * event loop (or a core's time slices, as far as the OS allows) with the server it measures.
 * Input: the path of a JSON file (the spec); output: one JSON line on stdout.
 */
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  connections: number;
  durationS: number;
  headers: Record<string, string>;
  body?: string;
  /** Paths taken in turn, one per request (a different task to complete each time); never reused. */
  paths?: string[];
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Requests sent after every path had been used once (repeats, not counted as valid work). */
  repeats: number;
  /** Answers by status code, e.g. { "200": 370, "409": 8 }. */
  statuses: Record<string, number>;
}

const spec = JSON.parse(await readFile(process.argv[2], 'utf8')) as LoadSpec;
let next = 0;
let repeats = 0;
const result = await autocannon({
  url: spec.url,
  method: spec.method,
  connections: spec.connections,
  duration: spec.durationS,
  // A request is never abandoned and sent again (that only piles work on a slow server).
  timeout: spec.durationS,
  headers: spec.headers,
  ...(spec.body !== undefined ? { body: spec.body } : {}),
  ...(spec.paths
    ? {
        requests: [
          {
            setupRequest: (req: autocannon.Request) => {
              const paths = spec.paths!;
              if (next >= paths.length) repeats++;
              return { ...req, path: paths[next++ % paths.length] };
            },
          },
        ],
      }
    : {}),
});
// Only answered 2xx requests count as throughput; a 4xx is work not done.
const ok = result.requests.total - result.non2xx;
const out: LoadResult = {
  requestsPerSecond: ok / (result.duration || spec.durationS),
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  requests: result.requests.total,
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
  repeats,
  statuses: Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat?.count ?? 0]),
  ),
};
console.log(JSON.stringify(out));
