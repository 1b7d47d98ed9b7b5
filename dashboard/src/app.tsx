// The app shell: session restore (GET /api/auth/me), the route table, the navigation and the live badge.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, call, setUnauthorizedHandler } from './api';
import { AuthPage } from './auth/auth-page';
import { publicPage } from './auth/public-pages';
import { SetupChecklist } from './auth/setup-checklist';
import { UsageBanner } from './billing/usage-banner';
import { Lazy, type Loader } from './lazy-page';
import { beep, startLive, stopLive, unlockAudioOnGesture, useLive } from './live';
import { NotificationBell } from './notifications/bell';
import { Link, matchPath, navigate, useLocation } from './router';
import { type Account, atLeast, SessionContext } from './session';

// The inbox and an open conversation are one workspace: the same page (and key), so the list stays mounted.
const inbox: Loader = () => import('./inbox/inbox-page').then((m) => m.InboxPage);

const routes: [string, Loader][] = [
  ['/conversations', inbox],
  ['/conversations/:id', inbox],
  ['/settings/channels', () => import('./settings/channels-page').then((m) => m.ChannelsPage)],
  ['/settings/channels/new', () => import('./settings/channel-wizard').then((m) => m.ChannelWizard)],
  ['/settings/channels/:id', () => import('./settings/channel-page').then((m) => m.ChannelPage)],
  ['/settings/faqs', () => import('./settings/faqs-page').then((m) => m.FaqsPage)],
  ['/settings/profile', () => import('./auth/profile-page').then((m) => m.ProfilePage)],
  ['/settings/team', () => import('./settings/team-page').then((m) => m.TeamPage)],
  ['/settings/billing', () => import('./billing/billing-page').then((m) => m.BillingPage)],
  ['/settings/general', () => import('./settings/general-page').then((m) => m.GeneralPage)],
  ['/knowledge-base', () => import('./knowledge/knowledge-page').then((m) => m.KnowledgePage)],
  ['/analytics', () => import('./analytics/analytics-page').then((m) => m.AnalyticsPage)],
  ['/analytics/business-hours', () => import('./analytics/business-hours').then((m) => m.BusinessHoursPage)],
  ['/analytics/posts', () => import('./analytics/automation-reports').then((m) => m.PostsReportPage)],
  ['/analytics/flows', () => import('./analytics/automation-reports').then((m) => m.FlowsReportPage)],
  ['/settings/ai-providers', () => import('./settings/ai-providers-page').then((m) => m.AiProvidersPage)],
  ['/settings/agent-tools', () => import('./settings/agent-tools-page').then((m) => m.AgentToolsPage)],
  ['/settings/agent-tools/:id', () => import('./settings/agent-tool-page').then((m) => m.AgentToolPage)],
  ['/settings/notifications', () => import('./settings/notifications-page').then((m) => m.NotificationsPage)],
  ['/settings/saved-replies', () => import('./settings/saved-replies-page').then((m) => m.SavedRepliesPage)],
  ['/automations', () => import('./automations/automations-page').then((m) => m.AutomationsPage)],
  ['/automations/new', () => import('./automations/trigger-editor').then((m) => m.NewTriggerPage)],
  ['/automations/flows', () => import('./automations/flow-list-page').then((m) => m.FlowListPage)],
  ['/automations/flows/new', () => import('./automations/flow-editor').then((m) => m.NewFlowPage)],
  ['/automations/flows/:id', () => import('./automations/flow-page').then((m) => m.FlowPage)],
  ['/settings/handoff-rules', () => import('./automations/handoff-rules-page').then((m) => m.HandoffRulesPage)],
  ['/automations/:id', () => import('./automations/trigger-page').then((m) => m.TriggerPage)],
  ['/settings/integrations', () => import('./settings/integrations-page').then((m) => m.IntegrationsPage)],
];

export function App() {
  const { path } = useLocation();
  const [account, setAccount] = useState<Account | null | undefined>(undefined);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setAccount(null);
    });
    call(api.auth.me.$get()).then(setAccount, () => setAccount(null));
  }, []);

  // Redirects: signed-out members go to the login page (and come back afterwards), signed-in ones skip it.
  useEffect(() => {
    if (account === undefined || matchPath('/invite/:token', path) || publicPage(path)) return;
    if (!account && path !== '/login' && path !== '/signup') {
      const next = path === '/' ? '' : `?next=${encodeURIComponent(path + location.search)}`;
      navigate(`/login${next}`, true);
    }
    if (account && (path === '/' || path === '/login' || path === '/signup')) {
      const next = new URLSearchParams(location.search).get('next');
      navigate(next?.startsWith('/') && !next.startsWith('//') ? next : '/conversations', true);
    }
  }, [account, path]);

  useEffect(() => {
    if (!account) return;
    startLive();
    unlockAudioOnGesture();
    return stopLive;
  }, [account]);

  if (account === undefined) return <p class="muted center">Loading…</p>;

  const inviteMatch = matchPath('/invite/:token', path);
  if (inviteMatch) return <AuthPage mode="invite" token={inviteMatch.token} onAccount={setAccount} />;
  const open = publicPage(path);
  if (open) return <Lazy load={open} params={{}} />;
  if (!account) return <AuthPage mode={path === '/signup' ? 'signup' : 'login'} onAccount={setAccount} />;
  if (path === '/' || path === '/login' || path === '/signup') return null;

  let page = <NotFound />;
  for (const [pattern, load] of routes) {
    const params = matchPath(pattern, path);
    if (params) {
      page = <Lazy key={load === inbox ? 'inbox' : pattern} load={load} params={params} />;
      break;
    }
  }

  return (
    <SessionContext.Provider value={{ account, setAccount }}>
      <Shell account={account} onLogout={() => setAccount(null)} path={path}>
        {page}
      </Shell>
    </SessionContext.Provider>
  );
}

function NotFound() {
  return (
    <section aria-labelledby="nf-title">
      <h1 id="nf-title">Page not found</h1>
      <p>
        <Link href="/conversations">Go to the inbox</Link>
      </p>
    </section>
  );
}

const SOUND_KEY = 'hs:sound';

/** The main navigation after the inbox, in order: where each link goes and what it says. */
const NAV_LINKS: [href: string, label: string][] = [
  ['/knowledge-base', 'Knowledge base'],
  ['/analytics', 'Analytics'],
  ['/automations', 'Automations'],
  ['/settings/channels', 'Channels'],
  ['/settings/handoff-rules', 'Handoff rules'],
  ['/settings/integrations', 'Integrations'],
  ['/settings/faqs', 'FAQs'],
  ['/settings/ai-providers', 'AI providers'],
  ['/settings/agent-tools', 'Agent tools'],
  ['/settings/team', 'Team'],
  ['/settings/notifications', 'Notifications'],
  ['/settings/saved-replies', 'Saved replies'],
  ['/settings/billing', 'Billing'],
  ['/settings/general', 'General'],
];

function Shell({
  account,
  onLogout,
  path,
  children,
}: {
  account: Account;
  onLogout: () => void;
  path: string;
  children: preact.ComponentChildren;
}) {
  // Conversations with customer activity since the inbox was last looked at.
  const [unseen, setUnseen] = useState<ReadonlySet<string>>(new Set());
  const [sound, setSound] = useState(() => localStorage.getItem(SOUND_KEY) !== 'off');
  const [navOpen, setNavOpen] = useState(false);

  useLive(
    useCallback(
      (event) => {
        const customerWrote = event.type === 'message.created' && event.message.direction === 'INBOUND';
        if (event.type !== 'conversation.created' && !customerWrote) return;
        // The inbox workspace (list and open conversation) shows it already.
        if (!path.startsWith('/conversations')) setUnseen((s) => new Set(s).add(event.conversationId));
        if (sound) beep();
      },
      [path, sound],
    ),
  );

  useEffect(() => {
    if (path.startsWith('/conversations')) setUnseen(new Set());
    setNavOpen(false);
  }, [path]);

  useEffect(() => {
    document.title = unseen.size ? `(${unseen.size}) HelpStack` : 'HelpStack';
  }, [unseen]);

  const logout = async () => {
    await call(api.auth.logout.$post()).catch(() => {});
    onLogout();
    navigate('/login');
  };

  const toggleSound = () => {
    localStorage.setItem(SOUND_KEY, sound ? 'off' : 'on');
    setSound(!sound);
  };

  const current = (prefix: string) => (path.startsWith(prefix) ? 'page' : undefined);

  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">HelpStack</span>
        <button
          type="button"
          class="nav-toggle"
          aria-expanded={navOpen}
          aria-controls="main-nav"
          onClick={() => setNavOpen(!navOpen)}
        >
          Menu
        </button>
        <nav id="main-nav" aria-label="Main" class={navOpen ? 'open' : ''}>
          <Link href="/conversations" aria-current={current('/conversations')}>
            Inbox
            {unseen.size > 0 && (
              <span class="badge">
                {unseen.size}
                <span class="sr-only"> new</span>
              </span>
            )}
          </Link>
          {NAV_LINKS.map(([href, label]) => (
            <Link key={href} href={href} aria-current={current(href)}>
              {label}
            </Link>
          ))}
        </nav>
        <div class="account">
          <NotificationBell userId={account.user.id} />
          <span>
            <Link href="/settings/profile" aria-current={current('/settings/profile')}>
              {account.user.name}
            </Link>{' '}
            · {account.organization.name} <span class={`role role-${account.role.toLowerCase()}`}>{account.role}</span>
          </span>
          <button type="button" class="link" aria-pressed={sound} onClick={toggleSound}>
            Sound {sound ? 'on' : 'off'}
          </button>
          <button type="button" class="link" onClick={logout}>
            Log out
          </button>
        </div>
      </header>
      {!atLeast(account.role, 'AGENT') && (
        <aside class="notice" aria-label="Your access">
          You have read-only access (VIEWER).
        </aside>
      )}
      <UsageBanner path={path} />
      {path.startsWith('/conversations') && <SetupChecklist />}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
