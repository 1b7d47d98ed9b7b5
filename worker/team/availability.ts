// A member's availability for chats: Online (the default) or Away. With the dashboard open and Online, the
// member counts towards the widget's online state (channels/website-chat/widget.ts).
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { agentAvailability } from '../db/schema';

export type Availability = 'ONLINE' | 'AWAY';

export async function getAvailability(db: Db, organizationId: string, userId: string): Promise<Availability> {
  const [row] = await db
    .select({ status: agentAvailability.status })
    .from(agentAvailability)
    .where(and(eq(agentAvailability.organizationId, organizationId), eq(agentAvailability.userId, userId)))
    .limit(1);
  return row?.status ?? 'ONLINE';
}

export async function setAvailability(
  db: Db,
  organizationId: string,
  userId: string,
  status: Availability,
): Promise<Availability> {
  const now = new Date();
  await db
    .insert(agentAvailability)
    .values({ organizationId, userId, status, updatedAt: now })
    .onConflictDoUpdate({
      target: [agentAvailability.organizationId, agentAvailability.userId],
      set: { status, updatedAt: now },
    });
  return status;
}
