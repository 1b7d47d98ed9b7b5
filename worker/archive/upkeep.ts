// The archive's part of the minute cron (jobs/scheduled.ts): watch D1's size, then move one bounded batch of
// long-closed conversations' messages to R2. A failure is logged and retried next minute; it never stops the
// cron's other work.
import type { AppBindings } from '../env';
import { archiveClosedConversations } from './archive';
import { checkDatabaseSize } from './capacity';

export async function runArchiveUpkeep(env: AppBindings, now = Date.now()): Promise<void> {
  try {
    await checkDatabaseSize(env, now);
  } catch (error) {
    console.error('[capacity] D1 size check failed:', error);
  }
  try {
    const run = await archiveClosedConversations(env, now);
    if (run.archived) {
      console.log(
        `[archive] ${run.archived} conversation(s), ${run.messages} message(s) moved to R2 (${run.bytes} bytes)`,
      );
    }
  } catch (error) {
    console.error('[archive] run failed; the next minute retries it:', error);
  }
}
