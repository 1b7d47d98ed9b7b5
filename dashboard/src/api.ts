// The typed API client: request and response types come from the Worker's Hono app, never copied by hand.
// `call` unwraps the {success,data} envelope, turns failures into ApiError and sends a 401 to the login page.
import { type ClientResponse, hc } from 'hono/client';
import type { AppType } from '../../worker/app';

export const api = hc<AppType>('/', {
  // Looked up per call so tests can replace the global fetch.
  fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, { ...init, credentials: 'same-origin' }),
}).api;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}

type Data<R> = R extends ClientResponse<infer B, number, string> ? (B extends { data: infer D } ? D : never) : never;

/** The unwrapped data of a client endpoint: `ApiData<typeof api.conversations.$get>`. */
// biome-ignore lint/suspicious/noExplicitAny: matches any endpoint's argument list
export type ApiData<F extends (...args: any[]) => Promise<ClientResponse<unknown, number, string>>> = Data<
  Awaited<ReturnType<F>>
>;

let onUnauthorized: () => void = () => {};

/** Where a 401 from any request goes (the app sends it to /login). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export async function call<R extends ClientResponse<unknown, number, string>>(request: Promise<R>): Promise<Data<R>> {
  let res: R;
  try {
    res = await request;
  } catch {
    throw new ApiError(0, 'Cannot reach the server. Check your connection and try again.');
  }
  const body = (await res.json().catch(() => null)) as {
    success?: boolean;
    data?: unknown;
    error?: { message?: string; code?: string; fields?: Record<string, string[]> };
  } | null;
  if (res.ok && body?.success) return body.data as Data<R>;
  if (res.status === 401) onUnauthorized();
  const error = body?.error;
  const message =
    res.status === 403
      ? (error?.message ?? 'Your role does not allow this action.')
      : (error?.message ?? `Request failed (${res.status})`);
  throw new ApiError(res.status, message, error?.code, error?.fields);
}

/** The first message for a field of a validation error, for showing it next to its input. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError ? error.fields?.[field]?.[0] : undefined;
}
