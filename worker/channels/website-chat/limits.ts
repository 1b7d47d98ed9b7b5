// Rate limits of the public chat widget, shared by its HTTP routes and the conversation actor's socket, so a
// message counts the same whichever way it arrives. Limits (per 60 s) live in wrangler.toml [[ratelimits]].

/** The Rate Limiting bindings the widget uses (a subset of the Worker's env). */
export interface WidgetLimiters {
  /** Messages per visitor (about 20 a minute). */
  WIDGET_MESSAGE_LIMITER: RateLimit;
  /** Messages per IP (about 60 a minute): many visitor ids from one address do not multiply the allowance. */
  WIDGET_MESSAGE_IP_LIMITER: RateLimit;
  /** WebSocket connections opened per IP (about 20 a minute). */
  WIDGET_SOCKET_LIMITER: RateLimit;
  /** New visitors (contacts) per IP (about 10 a minute). */
  WIDGET_CONTACT_LIMITER: RateLimit;
}

async function allowed(limiter: RateLimit, key: string): Promise<boolean> {
  return (await limiter.limit({ key })).success;
}

/**
 * Whether one more message from this visitor at this IP is allowed. Both budgets are charged on every call,
 * so a refused message still counts against the other: a flood is slowed whichever key it rotates.
 */
export async function visitorMessageAllowed(
  limiters: Pick<WidgetLimiters, 'WIDGET_MESSAGE_LIMITER' | 'WIDGET_MESSAGE_IP_LIMITER'>,
  keys: { visitorId: string; ip: string },
): Promise<boolean> {
  const [perVisitor, perIp] = await Promise.all([
    allowed(limiters.WIDGET_MESSAGE_LIMITER, `widget-message:${keys.visitorId}`),
    allowed(limiters.WIDGET_MESSAGE_IP_LIMITER, `widget-message-ip:${keys.ip}`),
  ]);
  return perVisitor && perIp;
}

/** Whether this IP may open one more widget socket. */
export function socketOpenAllowed(limiters: Pick<WidgetLimiters, 'WIDGET_SOCKET_LIMITER'>, ip: string) {
  return allowed(limiters.WIDGET_SOCKET_LIMITER, `widget-socket:${ip}`);
}

/** Whether this IP may create one more visitor (contact). */
export function contactCreationAllowed(limiters: Pick<WidgetLimiters, 'WIDGET_CONTACT_LIMITER'>, ip: string) {
  return allowed(limiters.WIDGET_CONTACT_LIMITER, `widget-contact:${ip}`);
}
