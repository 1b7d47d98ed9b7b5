// Reading D1 straight from a test, for what the API does not show.
import { env } from 'cloudflare:workers';

/** The rows a SQL query answers, its `?` bound to `params` in order. */
export async function rows<T = Record<string, any>>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<T>()
  ).results;
}
