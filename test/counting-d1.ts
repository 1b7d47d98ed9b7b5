// A D1 binding that records its round trips, for tests that count what a path costs in D1.

/** One D1 round trip: the statements sent together (one, unless a batch) and their parameters. */
export interface Trip {
  sql: string[];
  params: unknown[][];
}

export const isRead = (trip: Trip) => trip.sql.every((sql) => /^\s*select\b/i.test(sql));

/**
 * The D1 binding, recording its round trips (each statement sent on its own, and each batch); a trip `fail`
 * picks out throws, as a D1 error would.
 */
export function countingD1(d1: D1Database, fail?: (trip: Trip) => boolean) {
  const trips: Trip[] = [];
  const sent = new WeakMap<D1PreparedStatement, { sql: string; params: unknown[] }>();
  let depth = 0;
  const counted = async <T>(statements: D1PreparedStatement[], send: () => Promise<T>) => {
    if (depth > 0) return send();
    const trip = {
      sql: statements.map((s) => sent.get(s)?.sql ?? '?'),
      params: statements.map((s) => sent.get(s)?.params ?? []),
    };
    trips.push(trip);
    if (fail?.(trip)) throw new Error('D1 is unavailable (injected)');
    depth++;
    try {
      return await send();
    } finally {
      depth--;
    }
  };
  const watch = (statement: D1PreparedStatement, sql: string, params: unknown[]): D1PreparedStatement => {
    sent.set(statement, { sql, params });
    const methods = statement as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const name of ['first', 'all', 'run', 'raw']) {
      const send = methods[name]!.bind(statement);
      methods[name] = (...args) => counted([statement], () => send(...args));
    }
    const bind = statement.bind.bind(statement);
    statement.bind = (...values) => watch(bind(...values), sql, values);
    return statement;
  };
  const binding = {
    prepare: (sql: string) => watch(d1.prepare(sql), sql, []),
    batch: (statements: D1PreparedStatement[]) => counted(statements, () => d1.batch(statements)),
  } as unknown as D1Database;
  return { binding, trips };
}
