// /api/team: members, invitations and the plan's seats. Everyone in the org reads; ADMIN and OWNER manage.
// Inviting, creating or reactivating a member when every seat is taken is 402 SEAT_LIMIT (billing/seats.ts).
import { Hono } from 'hono';
import { z } from 'zod';
import { resolveSession } from '../auth/sessions';
import { seatUsage } from '../billing/seats';
import { ROLES } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { sessionToken, setSessionCookie, withAdmin, withOrganization } from '../http/session';
import { idParams, validate } from '../http/validate';
import { getAvailability, setAvailability } from '../team/availability';
import { acceptInvitation, describeInvitation, invite, listInvitations, revokeInvitation } from '../team/invitations';
import { createMember, getMember, listMembers, removeMember, updateMember } from '../team/members';
import { emailSchema, nameSchema, passwordSchema, publicOrganization } from './auth';

const roleSchema = z.enum(ROLES, { error: `Role must be one of ${ROLES.join(', ')}` });

const createMemberSchema = z.object({
  email: emailSchema,
  name: nameSchema,
  role: roleSchema,
  password: z.union([passwordSchema, z.literal('')]).optional(),
});

const updateMemberSchema = z
  .object({
    role: roleSchema.optional(),
    status: z.enum(['ACTIVE', 'SUSPENDED']).optional(),
    name: nameSchema.optional(),
  })
  .refine((v) => v.role || v.status || v.name, { message: 'Nothing to update' });

const inviteSchema = z.object({ email: emailSchema, role: roleSchema });

const availabilitySchema = z.object({
  status: z.enum(['ONLINE', 'AWAY'], { error: 'Status must be ONLINE or AWAY' }),
});

const acceptSchema = z.object({ name: nameSchema.optional(), password: passwordSchema.optional() });

const members = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id', idParams('id'))
  .get('/', async (c) => ok(c, await listMembers(c.var.db, c.var.auth.organization.id)))
  .post('/', withAdmin, validate('json', createMemberSchema), async (c) => {
    const { password, ...input } = c.req.valid('json');
    return ok(c, await createMember(c.env, c.var.db, c.var.auth, { ...input, password: password || undefined }), 201);
  })
  .get('/:id', async (c) => ok(c, await getMember(c.var.db, c.var.auth.organization.id, c.req.param('id'))))
  .patch('/:id', withAdmin, validate('json', updateMemberSchema), async (c) =>
    ok(c, await updateMember(c.env, c.var.db, c.var.auth, c.req.param('id'), c.req.valid('json'))),
  )
  .delete('/:id', withAdmin, async (c) => {
    await removeMember(c.var.db, c.var.auth, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  });

const invitationsRoutes = new Hono<AppEnv>()
  // Public: the invitee may not have an account yet. The token is the credential; an unknown one is 404.
  .get('/:token', idParams('token'), async (c) => ok(c, await describeInvitation(c.var.db, c.req.param('token'))))
  .post('/:token/accept', idParams('token'), validate('json', acceptSchema), async (c) => {
    const token = sessionToken(c);
    const caller = token ? await resolveSession(c.var.db, c.env.SESSION_SECRET, token) : null;
    const { user, organization, membership, session } = await acceptInvitation(
      c.env,
      c.var.db,
      c.req.param('token'),
      caller,
      c.req.valid('json'),
      c.req.header('user-agent'),
    );
    setSessionCookie(c, session.token, session.expiresAt);
    return ok(c, {
      user: { id: user.id, email: user.email, name: user.name },
      organization: publicOrganization(organization),
      role: membership.role,
    });
  })
  .use('*', withOrganization)
  .get('/', async (c) => ok(c, await listInvitations(c.var.db, c.var.auth.organization.id)))
  .post('/', withAdmin, validate('json', inviteSchema), async (c) => {
    const origin = c.env.APP_ORIGIN ?? new URL(c.req.url).origin;
    return ok(c, await invite(c.env, c.var.db, c.var.auth, c.req.valid('json'), origin), 201);
  })
  .delete('/:id', withAdmin, idParams('id'), async (c) => {
    await revokeInvitation(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), revoked: true });
  });

/** The plan's seats: how many, taken by how many members and pending invitations (the team page's "N of M"). */
const seatRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .get('/', async (c) => ok(c, await seatUsage(c.env, c.var.db, c.var.auth.organization.id)));

/** The caller's own availability (Online / Away) for chats. */
const availabilityRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .get('/', async (c) =>
    ok(c, { status: await getAvailability(c.var.db, c.var.auth.organization.id, c.var.auth.user.id) }),
  )
  .put('/', validate('json', availabilitySchema), async (c) =>
    ok(c, {
      status: await setAvailability(
        c.var.db,
        c.var.auth.organization.id,
        c.var.auth.user.id,
        c.req.valid('json').status,
      ),
    }),
  );

export const teamRoutes = new Hono<AppEnv>()
  .route('/members', members)
  .route('/invitations', invitationsRoutes)
  .route('/seats', seatRoutes)
  .route('/availability', availabilityRoutes);
