import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from './client';
import { organizations } from './schema';

describe('createDb', () => {
  it('builds one drizzle client per D1 binding and hands it to every caller', () => {
    expect(createDb(env.DB)).toBe(createDb(env.DB));
  });

  it('gives a binding swapped in (a test double) its own client, which queries through that binding', async () => {
    const seen: string[] = [];
    const wrapped = new Proxy(env.DB, {
      get(target, key) {
        if (key === 'prepare') {
          return (query: string) => {
            seen.push(query);
            return target.prepare(query);
          };
        }
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const db = createDb(wrapped);
    expect(db).not.toBe(createDb(env.DB));
    expect(db.$client).toBe(wrapped);
    await db.select().from(organizations).limit(1);
    expect(seen).toEqual([expect.stringMatching(/from "organizations"/i)]);
  });
});
