// The visitor's rating of a resolved conversation (good / bad, with their comment), for the agent.
import { api, call } from '../api';
import { useLoad } from '../ui';

export function VisitorRating({ conversationId, status }: { conversationId: string; status: string }) {
  // Reread when the status changes: a visitor can only rate once the conversation is resolved.
  const rating = useLoad(
    () => call(api.conversations[':id'].rating.$get({ param: { id: conversationId } })),
    [conversationId, status],
  );
  const r = rating.data;
  return (
    <dl class="summary">
      <dt>Visitor rating</dt>
      <dd>
        {r ? (r.rating === 'GOOD' ? 'Good' : 'Bad') : 'Not rated'}
        {r?.comment ? ` — “${r.comment}”` : ''}
      </dd>
    </dl>
  );
}
