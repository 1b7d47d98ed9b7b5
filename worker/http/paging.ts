// Paging for every list endpoint: one query schema (`page`, `pageSize` capped at 100, never refused for being
// large) and one set of paging fields in the response (`items`, `page`, `pageSize`, `total`, `totalPages`).
import { z } from 'zod';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export interface Paging {
  page: number;
  pageSize: number;
}

/** The `page` and `pageSize` query fields; spread them into a route's query schema. */
export function pagingQuery(defaultPageSize = DEFAULT_PAGE_SIZE) {
  return {
    page: z.coerce
      .number({ error: 'page must be a number' })
      .int('page must be a whole number')
      .min(1, 'page starts at 1')
      .max(1_000_000, 'page is at most 1000000')
      .default(1),
    pageSize: z.coerce
      .number({ error: 'pageSize must be a number' })
      .int('pageSize must be a whole number')
      .min(1, 'pageSize is at least 1')
      .default(defaultPageSize)
      // Larger page sizes are capped, not refused.
      .transform((n) => Math.min(n, MAX_PAGE_SIZE)),
  };
}

/** The response of a paged list. */
export function pageOf<T>(items: T[], total: number, { page, pageSize }: Paging) {
  return { items, page, pageSize, total, totalPages: Math.ceil(total / pageSize) };
}
