// The getting-started checklist admins see after sign-up: add a channel → install the snippet → add knowledge →
// connect AI → invite the team. Each item is ticked from the organisation's real state; dismissible (per
// organisation, in this browser).
import { useState } from 'preact/hooks';
import { api, call } from '../api';
import { Link } from '../router';
import { usePermissions, useSession } from '../session';
import { useLoad } from '../ui';

interface Step {
  label: string;
  done: boolean;
  href: string;
}

async function loadSteps(): Promise<Step[]> {
  const [channels, knowledge, members, invitations, chats] = await Promise.all([
    call(api.channels.$get()),
    call(api.knowledge.groups.$get()),
    call(api.team.members.$get()),
    call(api.team.invitations.$get()),
    call(api.conversations.$get({ query: { channelType: 'WEBSITE_CHAT', pageSize: '1' } })),
  ]);
  return [
    { label: 'Add a channel', done: channels.length > 0, href: '/settings/channels/new' },
    // A visitor has written through the widget: the snippet is on a site and working.
    { label: 'Install the chat snippet on your site', done: chats.total > 0, href: '/settings/channels' },
    {
      label: 'Add knowledge for the AI to answer from',
      done: knowledge.some((g) => g.articleCount > 0),
      href: '/knowledge-base',
    },
    {
      label: 'Connect AI replies to a channel',
      done: channels.some((c) => c.autoReplyMode !== 'off'),
      href: '/settings/ai-providers',
    },
    {
      label: 'Invite your team',
      done: members.length > 1 || invitations.some((i) => i.status === 'PENDING' || i.status === 'ACTIVE'),
      href: '/settings/team',
    },
  ];
}

export function SetupChecklist() {
  const { canManageSettings } = usePermissions();
  const { account } = useSession();
  const key = `hs:checklist-dismissed:${account.organization.id}`;
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(key) === '1');
  const steps = useLoad(() => (canManageSettings && !dismissed ? loadSteps() : Promise.resolve(null)), [dismissed]);
  if (!canManageSettings || dismissed || !steps.data) return null;
  const done = steps.data.filter((s) => s.done).length;
  const dismiss = () => {
    localStorage.setItem(key, '1');
    setDismissed(true);
  };
  return (
    <section class="card checklist" aria-labelledby="checklist-title">
      <h2 id="checklist-title">
        Get started ({done} of {steps.data.length} done)
      </h2>
      <ol>
        {steps.data.map((step) => (
          <li key={step.label} class={step.done ? 'done' : undefined}>
            <span aria-hidden="true">{step.done ? '✓ ' : '○ '}</span>
            {step.done ? step.label : <Link href={step.href}>{step.label}</Link>}
            <span class="sr-only">{step.done ? ' (done)' : ' (to do)'}</span>
          </li>
        ))}
      </ol>
      <button type="button" class="link" onClick={dismiss}>
        Dismiss the checklist
      </button>
    </section>
  );
}
