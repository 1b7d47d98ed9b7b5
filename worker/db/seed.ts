// The demo organisation for local development: created once, found again on every later start.
import { eq } from 'drizzle-orm';
import { signUp } from '../auth/accounts';
import type { Db } from './client';
import { memberships, organizations, users } from './schema';

export const DEMO_OWNER = { email: 'owner@demo.helpstack.local', password: 'helpstack-demo', name: 'Demo Owner' };
export const DEMO_ORGANIZATION = 'Demo Company';

export interface SeedResult {
  organizationId: string;
  owner: { email: string; password: string };
  created: boolean;
}

export async function seedDemo(db: Db, freePlanTokens: number): Promise<SeedResult> {
  const [existing] = await db
    .select({ organizationId: organizations.id })
    .from(users)
    .innerJoin(memberships, eq(memberships.userId, users.id))
    .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
    .where(eq(users.email, DEMO_OWNER.email))
    .limit(1);
  const owner = { email: DEMO_OWNER.email, password: DEMO_OWNER.password };
  if (existing) return { organizationId: existing.organizationId, owner, created: false };
  const { organization } = await signUp(db, { ...DEMO_OWNER, organizationName: DEMO_ORGANIZATION }, freePlanTokens);
  return { organizationId: organization.id, owner, created: true };
}
