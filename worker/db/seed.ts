// The demo organisation for local development: an owner, an agent, a website chat channel and its FAQ chips,
// the built-in offline AI provider as default, a knowledge-base article the channel's AI answers from (auto-reply
// on, sent without review), and a few sample conversations that show what the product does on first login.
// The organisation is on DEMO_PLAN, whose seats fit its members and the ones the browser journeys add (Free's 2
// would refuse them). Each piece is looked up before it is created, so running the seed again creates nothing.
import { and, eq, inArray } from 'drizzle-orm';
import { ensureBuiltinProvider } from '../ai/providers/builtin';
import { signUp } from '../auth/accounts';
import { changePlan } from '../billing/account';
import type { Plan } from '../billing/plans';
import { postOutbound, receiveInbound } from '../conversations/pipeline';
import type { AppBindings } from '../env';
import { createManualArticle } from '../knowledge/articles';
import { createGroup } from '../knowledge/groups';
import { hashPassword } from '../lib/password';
import { encryptJson } from '../lib/secrets';
import type { Db } from './client';
import {
  channelKnowledgeGroups,
  channels,
  contacts,
  faqs,
  knowledgeGroups,
  memberships,
  organizations,
  users,
} from './schema';

export const DEMO_OWNER = { email: 'owner@demo.helpstack.local', password: 'helpstack-demo', name: 'Demo Owner' };
export const DEMO_AGENT = { email: 'agent@demo.helpstack.local', password: 'helpstack-demo', name: 'Demo Agent' };
export const DEMO_ORGANIZATION = 'Demo Company';
export const DEMO_WEBSITE_CHANNEL = 'Website chat';
/** Starter's 5 seats: the owner, the agent, and the viewer and agent that e2e/analytics and e2e/billing add. */
export const DEMO_PLAN: Plan = 'STARTER';

const DEMO_FAQS = [
  {
    question: 'How long does shipping take?',
    answer:
      'Orders placed before 2 pm ship the same working day. Delivery takes 1–3 working days within the EU and 5–8 working days elsewhere. You get a tracking link by email as soon as your parcel leaves our warehouse.',
  },
  {
    question: 'Can I return an item?',
    answer:
      'Yes. You have 30 days from delivery to return unused items in their original packaging. Start a return from "My orders", print the prepaid label, and we refund you within 5 working days of receiving the parcel.',
  },
  {
    question: 'Which payment methods do you accept?',
    answer:
      'We accept Visa, Mastercard, American Express, PayPal, Apple Pay and Google Pay. Business customers can also pay by bank transfer against an invoice with 14-day terms.',
  },
  {
    question: 'How do I track my order?',
    answer:
      'Open the shipping confirmation email and follow the tracking link, or sign in and go to "My orders". Tracking updates can take up to 24 hours to appear after dispatch.',
  },
  {
    question: 'Do you offer a warranty?',
    answer:
      'All products come with a 2-year warranty against manufacturing defects. If something stops working, send us your order number and a photo of the problem and we will repair or replace it free of charge.',
  },
];

export interface SeedResult {
  organizationId: string;
  owner: { email: string; password: string };
  agent: { email: string; password: string };
  websiteChannelId: string;
  created: boolean;
}

async function ensureOrganization(db: Db, freePlanTokens: number) {
  const [existing] = await db
    .select({ organizationId: organizations.id })
    .from(users)
    .innerJoin(memberships, eq(memberships.userId, users.id))
    .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
    .where(eq(users.email, DEMO_OWNER.email))
    .limit(1);
  if (existing) return { organizationId: existing.organizationId, created: false };
  const { organization } = await signUp(db, { ...DEMO_OWNER, organizationName: DEMO_ORGANIZATION }, freePlanTokens);
  return { organizationId: organization.id, created: true };
}

async function ensureAgent(db: Db, organizationId: string): Promise<void> {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, DEMO_AGENT.email)).limit(1);
  const userId = user?.id ?? crypto.randomUUID();
  if (!user) {
    const passwordHash = await hashPassword(DEMO_AGENT.password);
    await db.insert(users).values({ id: userId, email: DEMO_AGENT.email, name: DEMO_AGENT.name, passwordHash });
  }
  await db.insert(memberships).values({ organizationId, userId, role: 'AGENT' }).onConflictDoNothing();
}

/**
 * Puts the organisation on DEMO_PLAN the way a subscription does (changePlan, as the Stripe webhook calls it:
 * the plan on the organisation, the allowance difference on the ledger, the billing account opened). Only
 * from Free, so seeding again changes nothing and a paid plan chosen by hand is left alone.
 */
async function ensureDemoPlan(env: AppBindings, db: Db, organizationId: string): Promise<void> {
  const [org] = await db
    .select({ plan: organizations.plan })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (org?.plan === 'FREE') await changePlan(env, db, organizationId, DEMO_PLAN);
}

async function ensureWebsiteChannel(db: Db, organizationId: string, encryptionKey: string): Promise<string> {
  const [existing] = await db
    .select({ id: channels.id })
    .from(channels)
    .where(
      and(
        eq(channels.organizationId, organizationId),
        eq(channels.type, 'WEBSITE_CHAT'),
        eq(channels.name, DEMO_WEBSITE_CHANNEL),
      ),
    )
    .limit(1);
  if (existing) return existing.id;
  const [channel] = await db
    .insert(channels)
    .values({
      organizationId,
      type: 'WEBSITE_CHAT',
      name: DEMO_WEBSITE_CHANNEL,
      credentialsEncrypted: await encryptJson(encryptionKey, {}),
      settings: {
        appearance: {
          color: '#0f766e',
          position: 'right',
          title: 'Demo Shop',
          subtitle: 'We usually reply in minutes',
        },
        greeting: 'Hi there! 👋 Questions about an order, shipping or returns? Ask away.',
      },
      // A question asked on /demo is answered by the built-in AI from the knowledge base, with its source.
      autoReply: true,
      autoApprove: true,
      autoTranslate: false,
    })
    .returning({ id: channels.id });
  return channel!.id;
}

async function ensureFaqs(db: Db, organizationId: string): Promise<void> {
  const [any] = await db.select({ id: faqs.id }).from(faqs).where(eq(faqs.organizationId, organizationId)).limit(1);
  if (any) return;
  await db.insert(faqs).values(DEMO_FAQS.map((faq, position) => ({ ...faq, organizationId, position })));
}

const DEMO_KNOWLEDGE_GROUP = 'Shop policies';
const DEMO_ARTICLE = {
  title: 'Shipping, returns and warranty',
  content: `# Shipping
Orders placed before 2 pm ship the same working day from our warehouse in Ljubljana. Standard delivery takes 1–3 working days within the EU and 5–8 working days elsewhere. Express delivery arrives the next working day within the EU and costs 9.90 EUR. Shipping is free for orders over 50 EUR.

# Returns
You can return unused items within 30 days of delivery. Start a return from "My orders", print the prepaid label and drop the parcel at any post office. Refunds reach your original payment method within 5 working days after we receive the parcel.

# Warranty
Every product has a 2-year warranty against manufacturing defects. Send your order number and a photo of the problem to support and we repair or replace the item free of charge.`,
};

/** A knowledge group with the shop's policies, attached to the website chat so its AI can answer from it. */
async function ensureKnowledge(env: AppBindings, db: Db, organizationId: string, channelId: string): Promise<void> {
  const [existing] = await db
    .select({ id: knowledgeGroups.id })
    .from(knowledgeGroups)
    .where(and(eq(knowledgeGroups.organizationId, organizationId), eq(knowledgeGroups.name, DEMO_KNOWLEDGE_GROUP)))
    .limit(1);
  if (existing) return;
  const group = await createGroup(db, organizationId, { name: DEMO_KNOWLEDGE_GROUP });
  await createManualArticle(env, db, organizationId, { groupId: group.id, ...DEMO_ARTICLE });
  await db.insert(channelKnowledgeGroups).values({ organizationId, channelId, groupId: group.id });
}

/**
 * Sample conversations, made the way real ones are (receiveInbound / postOutbound, so the actor, the projection and
 * the subscribers see them like any other): a question the AI answers from the knowledge base with its citation,
 * one the AI cannot answer (it hands off: "needs a human"), and a German customer answered in German by an agent
 * who wrote in English. Only on the first seed: the sample visitors' contacts mark it done.
 */
const SAMPLE_VISITORS = ['demo-sample-ai', 'demo-sample-human', 'demo-sample-translated'] as const;

async function ensureSampleConversations(env: AppBindings, db: Db, organizationId: string, channelId: string) {
  const [done] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.channelId, channelId), inArray(contacts.externalId, [...SAMPLE_VISITORS])))
    .limit(1);
  if (done) return;
  const base = { organizationId, channelId };
  // Answered by the AI auto-reply (the queue's ai.reply job) from "Shipping, returns and warranty", with a citation.
  await receiveInbound(env, {
    ...base,
    externalContactId: 'demo-sample-ai',
    externalMessageId: 'demo-sample-ai-1',
    content: 'How long does express delivery take within the EU?',
    contact: { name: 'Emma Schmidt', email: 'emma@example.com' },
  });
  // Nothing in the knowledge base covers it: the AI says so once and flags the conversation for a human.
  await receiveInbound(env, {
    ...base,
    externalContactId: 'demo-sample-human',
    externalMessageId: 'demo-sample-human-1',
    content: 'My jacket arrived with a broken zip. Can someone call me today?',
    contact: { name: 'Noah Williams', email: 'noah@example.com' },
  });
  const { conversation } = await receiveInbound(env, {
    ...base,
    externalContactId: 'demo-sample-translated',
    externalMessageId: 'demo-sample-translated-1',
    content: 'Hallo! Kann ich meine Bestellung noch ändern? Ich brauche die Schuhe in Größe 43.',
    contact: { name: 'Lena Fischer', language: 'de' },
  });
  const [agent] = await db.select({ id: users.id }).from(users).where(eq(users.email, DEMO_AGENT.email)).limit(1);
  await postOutbound(env, {
    organizationId,
    conversationId: conversation.id,
    senderType: 'AGENT',
    senderId: agent?.id ?? null,
    externalId: 'demo-sample-translated-reply',
    originalContent: 'Yes, your order has not shipped yet. I have changed the shoes to size 43.',
    content: 'Ja, Ihre Bestellung ist noch nicht versandt. Ich habe die Schuhe auf Größe 43 geändert.',
    language: 'de',
  });
}

export async function seedDemo(env: AppBindings, db: Db, freePlanTokens: number): Promise<SeedResult> {
  const { organizationId, created } = await ensureOrganization(db, freePlanTokens);
  await ensureDemoPlan(env, db, organizationId);
  await ensureAgent(db, organizationId);
  const websiteChannelId = await ensureWebsiteChannel(db, organizationId, env.ENCRYPTION_KEY);
  await ensureFaqs(db, organizationId);
  await ensureBuiltinProvider(db, organizationId);
  await ensureKnowledge(env, db, organizationId, websiteChannelId);
  await ensureSampleConversations(env, db, organizationId, websiteChannelId);
  return {
    organizationId,
    owner: { email: DEMO_OWNER.email, password: DEMO_OWNER.password },
    agent: { email: DEMO_AGENT.email, password: DEMO_AGENT.password },
    websiteChannelId,
    created,
  };
}
