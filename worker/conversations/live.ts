// Publishing to the org hub. The hub's RPC surface is this interface (the OrgHub class implements it), so
// the conversation actor can publish without importing the hub, which in turn calls actors.
import type { AppBindings } from '../env';
import type { HubFrame } from './frames';
import type { DrainCommit } from './projection';

export interface OrgHubRpc {
  publish(frame: HubFrame): Promise<number>;
  /** Several frames in one call, delivered in order. */
  publishAll(frames: HubFrame[]): Promise<number>;
  /**
   * A conversation actor's drain: answers once its rows are in D1 and its jobs are sent (its frames then go to
   * the dashboards), or with why they could not be (the actor retries). Said, not thrown: a failed drain is an
   * expected outcome, not an error of the hub.
   */
  commit(drain: DrainCommit): Promise<CommitOutcome>;
}

export type CommitOutcome = { ok: true } | { ok: false; error: string };

/** Commits a drain through the organisation's hub; throws when it could not be written. */
export async function commitThroughHub(env: AppBindings, organizationId: string, drain: DrainCommit): Promise<void> {
  const outcome = await orgHub(env, organizationId).commit(drain);
  if (!outcome.ok) throw new Error(outcome.error);
}

export function orgHub(env: AppBindings, organizationId: string): OrgHubRpc {
  return env.ORG_HUB.get(env.ORG_HUB.idFromName(organizationId)) as unknown as OrgHubRpc;
}

/** Live updates are best effort: a dashboard that misses one refetches, so a hub failure never fails a write. */
export async function publishToHub(env: AppBindings, organizationId: string, frame: HubFrame): Promise<void> {
  try {
    await orgHub(env, organizationId).publish(frame);
  } catch (error) {
    console.error(`Org hub publish (${frame.type}) failed:`, error);
  }
}

/** publishToHub for several frames at once: one call to the hub instead of one per frame. */
export async function publishAllToHub(env: AppBindings, organizationId: string, frames: HubFrame[]): Promise<void> {
  try {
    await orgHub(env, organizationId).publishAll(frames);
  } catch (error) {
    console.error(`Org hub publish (${frames.length} frames) failed:`, error);
  }
}
