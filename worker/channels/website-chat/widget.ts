// The website chat channel as the public widget sees it: which channel answers, from which sites it may be
// embedded, how it looks, and whether a human is around to answer.
import { and, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { orgHubSocket } from '../../conversations/hub';
import type { Db } from '../../db/client';
import { agentAvailability, type Channel, channels, memberships, sessions } from '../../db/schema';
import type { AppBindings } from '../../env';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { awayState } from './business-hours';

const DEFAULT_APPEARANCE = { color: '#2563eb', position: 'right' as const };

/** A WEBSITE_CHAT channel that exists and is active; anything else is 404 to the public. */
export async function loadWidgetChannel(db: Db, channelId: string): Promise<Channel> {
  const [channel] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.id, channelId), eq(channels.type, 'WEBSITE_CHAT'), eq(channels.isActive, true)))
    .limit(1);
  if (!channel) throw new NotFoundError('Channel');
  return channel;
}

function hostnameOf(origin: string): string | null {
  try {
    return new URL(origin).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Whether a host name is allowed: `shop.example.com` allows that host and its subdomains; `*.example.com` allows
 * only subdomains of example.com (not example.com itself).
 */
export function originAllowed(allowedDomains: readonly string[], hostname: string): boolean {
  return allowedDomains.some((domain) =>
    domain.startsWith('*.')
      ? hostname.endsWith(domain.slice(1))
      : hostname === domain || hostname.endsWith(`.${domain}`),
  );
}

/**
 * Refuses (403) a request whose Origin is not an allowed domain of the channel or a subdomain of one.
 * No allowlist means any site may embed the widget. `trustedOrigins` are our own origins (the widget iframe
 * is served from them, and where it may be framed is governed separately).
 */
export function assertWidgetOrigin(
  channel: Pick<Channel, 'settings'>,
  originHeader: string | null | undefined,
  trustedOrigins: readonly string[] = [],
): void {
  const allowed = channel.settings.allowedDomains ?? [];
  if (!allowed.length) return;
  if (originHeader && trustedOrigins.includes(originHeader)) return;
  const hostname = originHeader ? hostnameOf(originHeader) : null;
  if (hostname && originAllowed(allowed, hostname)) return;
  throw new ForbiddenError('This website is not allowed to use this chat widget');
}

export function assertWebsiteChat(channel: Pick<Channel, 'type'>): void {
  if (channel.type !== 'WEBSITE_CHAT') {
    throw ValidationError.field('type', 'Only WEBSITE_CHAT channels have a chat widget');
  }
}

export function widgetScript(channel: Pick<Channel, 'id' | 'type'>, origin: string) {
  assertWebsiteChat(channel);
  const base = origin.replace(/\/+$/, '');
  return {
    channelId: channel.id,
    script: `<script src="${base}/widget.js?id=${encodeURIComponent(channel.id)}" async></script>`,
  };
}

export function widgetAppearance(channel: Pick<Channel, 'name' | 'settings'>) {
  const appearance = channel.settings.appearance ?? {};
  return {
    color: appearance.color ?? DEFAULT_APPEARANCE.color,
    position: appearance.position ?? DEFAULT_APPEARANCE.position,
    title: appearance.title ?? channel.name,
    subtitle: appearance.subtitle ?? null,
    avatarUrl: appearance.avatarUrl ?? null,
  };
}

/** What an admin configures for the widget (GET /api/channels/:id/widget-config). */
export function widgetSettings(channel: Channel) {
  assertWebsiteChat(channel);
  return {
    channelId: channel.id,
    appearance: widgetAppearance(channel),
    greeting: channel.settings.greeting ?? null,
    allowedDomains: channel.settings.allowedDomains ?? [],
    businessHours: channel.settings.businessHours ?? null,
    preChatForm: channel.settings.preChatForm ?? 'OFF',
  };
}

/**
 * "Online" means real presence: an ACTIVE member with the AGENT role or higher has the dashboard open (a live
 * socket on the organisation's hub), holds a session that is neither revoked nor expired, and has not set
 * themselves Away. Closing the dashboard, logging out or being suspended takes an agent offline at once.
 */
export async function agentsOnline(
  env: AppBindings,
  db: Db,
  organizationId: string,
  now = Date.now(),
): Promise<number> {
  const present = await orgHubSocket(env, organizationId).presentUserIds();
  if (!present.length) return 0;
  const [row] = await db
    .select({ count: sql<number>`count(distinct ${memberships.userId})` })
    .from(memberships)
    .innerJoin(
      sessions,
      and(eq(sessions.userId, memberships.userId), eq(sessions.organizationId, memberships.organizationId)),
    )
    .leftJoin(
      agentAvailability,
      and(
        eq(agentAvailability.userId, memberships.userId),
        eq(agentAvailability.organizationId, memberships.organizationId),
      ),
    )
    .where(
      and(
        eq(memberships.organizationId, organizationId),
        inArray(memberships.userId, present.slice(0, 90)),
        or(isNull(agentAvailability.status), eq(agentAvailability.status, 'ONLINE')),
        eq(memberships.status, 'ACTIVE'),
        inArray(memberships.role, ['OWNER', 'ADMIN', 'AGENT']),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, new Date(now)),
      ),
    );
  return Number(row?.count ?? 0);
}

/** Online only within the channel's business hours; outside them `away` says when the team is back. */
export async function widgetStatus(env: AppBindings, db: Db, channel: Channel, now = Date.now()) {
  const away = awayState(channel.settings.businessHours, now);
  const count = await agentsOnline(env, db, channel.organizationId, now);
  return { online: count > 0 && away === null, agentsOnline: count, away };
}

/** The public config: `{ channelId, name, appearance, greeting, online, away, preChatForm }` (docs/realtime-protocol.md). */
export async function widgetConfig(env: AppBindings, db: Db, channel: Channel) {
  const { online, away } = await widgetStatus(env, db, channel);
  return {
    channelId: channel.id,
    name: channel.name,
    appearance: widgetAppearance(channel),
    greeting: channel.settings.greeting ?? null,
    online,
    away,
    preChatForm: channel.settings.preChatForm ?? 'OFF',
  };
}
