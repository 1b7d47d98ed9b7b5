// /api/media: conversation attachments. Every member reads; AGENT and above upload and delete (VIEWER is
// read-only everywhere).
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAgent, withOrganization } from '../http/session';
import { idParams, parseId } from '../http/validate';
import { ValidationError } from '../lib/errors';
import {
  AGENT_UPLOADS,
  assertRequestSize,
  deleteMedia,
  getMedia,
  mediaResponse,
  presentMedia,
  storeMedia,
  type UploadPolicy,
} from '../media/media';

/** Reads a multipart upload: the `file` part and the other text fields. */
export async function readUpload(c: Context, policy: UploadPolicy): Promise<{ file: File; fields: FormData }> {
  assertRequestSize(c.req.header('content-length'), policy);
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    throw ValidationError.field('file', 'Send the file as multipart/form-data');
  }
  const file = form.get('file');
  if (!(file instanceof File)) throw ValidationError.field('file', 'A file is required');
  return { file, fields: form };
}

function conversationIdOf(form: FormData): string | undefined {
  const value = form.get('conversationId');
  return typeof value === 'string' && value.trim() ? parseId('conversationId', value) : undefined;
}

export const mediaRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id', idParams('id'))
  .use('/:id/*', idParams('id'))
  .post('/upload', withAgent, async (c) => {
    const { file, fields } = await readUpload(c, AGENT_UPLOADS);
    const row = await storeMedia(c.env, c.var.db, {
      organizationId: c.var.auth.organization.id,
      file,
      policy: AGENT_UPLOADS,
      uploader: { type: 'MEMBER', userId: c.var.auth.user.id },
      conversationId: conversationIdOf(fields),
    });
    return ok(c, presentMedia(row), 201);
  })
  .get('/:id', async (c) => {
    const row = await getMedia(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    if (c.req.query('download') === '1') return mediaResponse(c.env, row);
    return ok(c, presentMedia(row));
  })
  .get('/:id/file', async (c) =>
    mediaResponse(c.env, await getMedia(c.var.db, c.var.auth.organization.id, c.req.param('id'))),
  )
  .delete('/:id', withAgent, async (c) => {
    await deleteMedia(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  });
