// The drizzle client over D1: one per D1 binding, shared by every caller in the isolate.
import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

const build = (d1: D1Database) => drizzle(d1, { schema });

/** The drizzle client; `db.$client` is the raw D1 binding for batches drizzle cannot express. */
export type Db = ReturnType<typeof build>;

// Building a client walks the whole schema (drizzle's relational config); the client holds no per-request
// state, so one per binding object serves every request and actor of the isolate. Keyed weakly: a binding
// a test swaps in gets its own client, and a dropped one takes its client with it.
const clients = new WeakMap<D1Database, Db>();

export function createDb(d1: D1Database): Db {
  let db = clients.get(d1);
  if (!db) {
    db = build(d1);
    clients.set(d1, db);
  }
  return db;
}
