// The signed-in account (user, organisation, role), shared by every page, and the role checks the UI uses
// to hide controls a member may not use (the API enforces the same rules).
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiData, api } from './api';

export type Account = ApiData<typeof api.auth.me.$get>;
export type Role = Account['role'];

const RANK: Record<Role, number> = { VIEWER: 0, AGENT: 1, ADMIN: 2, OWNER: 3 };

export function atLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

export interface Session {
  account: Account;
  /** Replace the account (after a login) or clear it (after a logout). */
  setAccount: (account: Account | null) => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** What the current member may do: AGENT replies and manages conversations, ADMIN changes settings. */
export function usePermissions() {
  const { role } = useSession().account;
  return { canReply: atLeast(role, 'AGENT'), canManageSettings: atLeast(role, 'ADMIN'), role };
}
