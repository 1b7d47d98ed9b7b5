// Inbox filters: read from and written to the page URL (so reload and back keep them), and turned into the
// query of GET /api/conversations.
export const PAGE_SIZE = 20;

export interface InboxFilters {
  status: string;
  channelId: string;
  channelType: string;
  assignedToId: string;
  language: string;
  search: string;
  unread: boolean;
  labelId: string;
  /** Automation views (#17): a state (BOT, HUMAN, WAITING, CLOSED), Unassigned humans, a contact tag, a trigger. */
  automationState: string;
  unassignedHumans: boolean;
  contactTag: string;
  triggerId: string;
  page: number;
}

export const EMPTY_FILTERS: InboxFilters = {
  status: '',
  channelId: '',
  channelType: '',
  assignedToId: '',
  language: '',
  search: '',
  unread: false,
  labelId: '',
  automationState: '',
  unassignedHumans: false,
  contactTag: '',
  triggerId: '',
  page: 1,
};

export function filtersFromSearch(search: URLSearchParams): InboxFilters {
  const page = Number(search.get('page'));
  return {
    status: search.get('status') ?? '',
    channelId: search.get('channelId') ?? '',
    channelType: search.get('channelType') ?? '',
    assignedToId: search.get('assignedToId') ?? '',
    language: search.get('language') ?? '',
    search: search.get('search') ?? '',
    unread: search.get('unread') === 'true',
    labelId: search.get('labelId') ?? '',
    automationState: search.get('automationState') ?? '',
    unassignedHumans: search.get('unassignedHumans') === 'true',
    contactTag: search.get('contactTag') ?? '',
    triggerId: search.get('triggerId') ?? '',
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** The API query: only the filters that are set, always with paging. */
export function conversationQuery(filters: InboxFilters): Record<string, string> {
  const query: Record<string, string> = { page: String(filters.page), pageSize: String(PAGE_SIZE) };
  for (const key of [
    'status',
    'channelId',
    'channelType',
    'assignedToId',
    'language',
    'labelId',
    'automationState',
    'contactTag',
    'triggerId',
  ] as const) {
    if (filters[key]) query[key] = filters[key];
  }
  const search = filters.search.trim();
  if (search) query.search = search;
  if (filters.unread) query.unread = 'true';
  if (filters.unassignedHumans) query.unassignedHumans = 'true';
  return query;
}

/** The page URL for a set of filters (paging size is not the user's choice, so it stays out), optionally with
 * a conversation open beside the list. */
export function inboxUrl(filters: InboxFilters, conversationId?: string): string {
  const { pageSize: _, ...query } = conversationQuery(filters);
  if (query.page === '1') delete query.page;
  const search = new URLSearchParams(query).toString();
  const path = conversationId ? `/conversations/${encodeURIComponent(conversationId)}` : '/conversations';
  return search ? `${path}?${search}` : path;
}

/** The filters a saved view keeps (no paging). */
export function viewFilters(filters: InboxFilters): Record<string, string> {
  const { page: _, pageSize: __, ...query } = conversationQuery(filters);
  return query;
}

export function filtersOfView(saved: Record<string, string>): InboxFilters {
  return filtersFromSearch(new URLSearchParams(saved));
}
