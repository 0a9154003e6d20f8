/**
 * `retain indexes [--postgres-sql]`: the indexes Retain declares (lib/collections.ts), which the
 * API creates at start; with --postgres-sql, the SQL that makes them serve their queries on
 * FerretDB on PostgreSQL (lib/stack-postgres.ts), for `psql "$URL" -v ON_ERROR_STOP=1 -f -`.
 */
import { parseArgs } from 'node:util';
import { indexDeclarations, indexKey } from '../lib/collections.js';
import { postgresIndexSql } from '../lib/stack-postgres.js';

const USAGE = `Usage: retain indexes [--postgres-sql]

Prints the MongoDB indexes Retain declares (the API creates them at start), one per line.

Options:
  --postgres-sql   print instead the SQL FerretDB 1.24 on PostgreSQL needs for the same queries
                   to use an index; run it once on the cluster, as its superuser:
                   retain indexes --postgres-sql | psql "$POSTGRES_URL" -v ON_ERROR_STOP=1 -f -
  -h, --help       show this help`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'postgres-sql': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values['postgres-sql']) {
    process.stdout.write(postgresIndexSql());
    return 0;
  }
  for (const { collection, index } of indexDeclarations)
    console.log(`${collection} ${JSON.stringify(indexKey(index))}${index.unique ? ' unique' : ''}`);
  return 0;
}
