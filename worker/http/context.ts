// The Hono environment every route shares: bindings, the db client, and the caller's org-scoped auth.
import type { Db } from '../db/client';
import type { Organization, Role } from '../db/schema';
import type { AppBindings } from '../env';

export interface AuthContext {
  sessionId: string;
  user: { id: string; email: string; name: string };
  organization: Organization;
  role: Role;
  membershipId: string;
}

export interface AppEnv {
  Bindings: AppBindings;
  Variables: {
    db: Db;
    auth: AuthContext;
  };
}
