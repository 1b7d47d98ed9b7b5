// The drizzle client over D1, created once per request.
import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** The drizzle client; `db.$client` is the raw D1 binding for batches drizzle cannot express. */
export type Db = ReturnType<typeof createDb>;
