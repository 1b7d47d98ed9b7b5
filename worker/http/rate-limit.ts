// Rate limits through Cloudflare's Rate Limiting bindings (local under wrangler dev and in tests).
import { RateLimitError } from '../lib/errors';

export async function enforceRateLimit(limiter: RateLimit, key: string): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success) throw new RateLimitError();
}

/** The caller's IP as Cloudflare reports it (absent locally: all local callers share one bucket). */
export function clientIp(headers: Headers): string {
  return headers.get('cf-connecting-ip') ?? headers.get('x-forwarded-for')?.split(',')[0]?.trim() ?? 'local';
}
