// Analytics at scale: seeds BENCH_CONVERSATIONS conversations (default 100,000) and BENCH_MESSAGES messages
// (default 1,000,000) with the inbox bench's generator, gives them a 90-day timeline (customer messages,
// automated acknowledgements, agent and AI replies, AI drafts approved as written, approved with an edit,
// rejected or left pending, notes, resolutions) and the reporting events the analytics
// subscriber writes for such a history, lets the Worker derive its cycles and rollups, then times each report
// through the Worker (`wrangler dev`) against the same figures computed by raw SQL over the base tables
// (conversations, messages) in the same run (the per-channel breakdown for the previous 30 days too), and
// fails unless both give the same numbers.
// Needs Node ≥ 22.5 (the repo's pinned node 24 via `npm run bench`).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { d1File, ints, percentile, persist, root, seed, startWorker, wranglerJs } from './inbox-list.mjs';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const RAW_RUNS = Number(process.env.BENCH_RAW_RUNS ?? 3);
const DAY = 86_400_000;
const today = new Date(Math.floor(Date.now() / DAY) * DAY).toISOString().slice(0, 10);
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const FROM = isoDay(Date.parse(today) - 29 * DAY);
const TO = today;
const START = Date.parse(FROM);
const END = Date.parse(TO) + DAY;
// The previous period the reports compare with: the 30 days before FROM.
const PREVIOUS_START = START - 30 * DAY;
// Conversations start evenly over the 90 days ending today (UTC, the organisation's default time zone).
const BASE = Date.parse(today) - 89 * DAY;
const STEP = Math.floor((90 * DAY) / CONVERSATIONS);

/** Gives the generated rows an analytics-shaped history; `c` is a conversation's number. */
function shapeHistory(db, userId) {
  const c = 'CAST(substr(conversation_id, 3) AS INTEGER)';
  db.exec('BEGIN');
  db.prepare(`UPDATE conversations SET created_at = ? + CAST(substr(id, 3) AS INTEGER) * ?, assigned_to_id = NULL`).run(
    ...ints([BASE, STEP]),
  );
  // seq 1, 3, 5…: the customer; seq 2: an automated acknowledgement in every 5th conversation; other even seqs:
  // the AI in every 4th conversation, otherwise the agent (seq 4 is an internal note in every 7th agent-answered
  // one). In two of three AI conversations the AI's seq 2 is a draft; where that draft is rejected the agent
  // takes over and writes every later reply.
  const rejectedDraft = `(${c} % 4 = 1 AND ${c} % 3 <> 0 AND ${c} % 5 = 3)`;
  db.prepare(
    `UPDATE messages SET
       created_at = ? + ${c} * ? + (seq - 1) * 60000 * (1 + ${c} % 37),
       direction = CASE WHEN seq % 2 = 1 THEN 'INBOUND' ELSE 'OUTBOUND' END,
       sender_type = CASE WHEN seq % 2 = 1 THEN 'CONTACT' WHEN seq = 2 AND ${c} % 5 = 0 THEN 'SYSTEM'
                          WHEN ${c} % 4 = 1 AND NOT (seq > 2 AND ${rejectedDraft}) THEN 'AI' ELSE 'AGENT' END,
       approval_status = 'NONE',
       original_content = NULL,
       language = CASE WHEN seq % 2 = 1 THEN
         (CASE ${c} % 5 WHEN 0 THEN 'de' WHEN 1 THEN 'fr' WHEN 2 THEN 'es' ELSE 'en' END) END`,
  ).run(...ints([BASE, STEP]));
  db.prepare(
    `UPDATE messages SET sender_id = CASE WHEN sender_type = 'AGENT' THEN ? END,
       is_note = CASE WHEN seq = 4 AND ${c} % 7 = 0 AND sender_type = 'AGENT' THEN 1 ELSE 0 END`,
  ).run(...ints([userId]));
  // The drafts, decided by the agent 20–49 s after the AI wrote them (before the customer's next message, at
  // least a minute later): c % 5 = 1 approved as written, 2 approved with an edit (the draft as written kept in
  // original_content), 3 rejected, 4 approved (still pending in every 7th conversation).
  db.prepare(
    `UPDATE messages SET
       approval_status = CASE ${c} % 5 WHEN 3 THEN 'REJECTED'
                           WHEN 4 THEN (CASE WHEN ${c} % 7 = 0 THEN 'PENDING' ELSE 'APPROVED' END) ELSE 'APPROVED' END,
       original_content = CASE WHEN ${c} % 5 = 2 THEN 'The draft as the AI wrote it' END,
       updated_at = created_at + 20000 + (${c} % 30) * 1000
     WHERE sender_type = 'AI' AND seq = 2 AND ${c} % 3 <> 0`,
  ).run();
  // CLOSED and ARCHIVED conversations were resolved by the agent 10 minutes after their last message.
  db.prepare(
    `UPDATE conversations SET closed_at =
       (SELECT MAX(created_at) FROM messages m WHERE m.conversation_id = conversations.id) + 600000
     WHERE status IN ('CLOSED', 'ARCHIVED')`,
  ).run();
  db.exec('COMMIT');
}

/** The reporting events the analytics subscriber writes for this history (one per domain event). */
function writeReportingEvents(db, organizationId, userId) {
  db.exec('BEGIN');
  const run = (sql, ...params) => db.prepare(sql).run(...ints(params));
  run(
    `INSERT INTO analytics_events (id, organization_id, conversation_id, channel_id, kind, occurred_at)
     SELECT 'opened-' || id, organization_id, id, channel_id, 'OPENED', created_at FROM conversations WHERE organization_id = ?`,
    organizationId,
  );
  run(
    `INSERT INTO analytics_events (id, organization_id, conversation_id, channel_id, kind, agent_id, language, message_id, occurred_at)
     SELECT 'msg-' || m.id, m.organization_id, m.conversation_id, c.channel_id,
       CASE WHEN m.sender_type = 'CONTACT' THEN 'CUSTOMER_MESSAGE' WHEN m.is_note THEN 'NOTE'
            WHEN m.sender_type = 'SYSTEM' THEN 'AUTO_ACK'
            WHEN m.sender_type = 'AI' THEN (CASE WHEN m.approval_status = 'NONE' THEN 'AI_REPLY' ELSE 'AI_DRAFT' END)
            ELSE 'AGENT_REPLY' END,
       m.sender_id, m.language, m.id, m.created_at
     FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.organization_id = ?`,
    organizationId,
  );
  // The agent's decision on each AI draft (message.approved, edited or not, and message.rejected).
  run(
    `INSERT INTO analytics_events (id, organization_id, conversation_id, channel_id, kind, agent_id, message_id, occurred_at)
     SELECT 'decided-' || m.id, m.organization_id, m.conversation_id, c.channel_id,
       CASE WHEN m.approval_status = 'REJECTED' THEN 'AI_DRAFT_REJECTED'
            WHEN m.original_content IS NOT NULL THEN 'AI_DRAFT_EDITED' ELSE 'AI_DRAFT_APPROVED' END,
       ?, m.id, m.updated_at
     FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.organization_id = ? AND m.sender_type = 'AI' AND m.approval_status IN ('APPROVED', 'REJECTED')`,
    userId,
    organizationId,
  );
  run(
    `INSERT INTO analytics_events (id, organization_id, conversation_id, channel_id, kind, agent_id, occurred_at)
     SELECT 'resolved-' || id, organization_id, id, channel_id, 'RESOLVED', ?, closed_at FROM conversations
     WHERE organization_id = ? AND status IN ('CLOSED', 'ARCHIVED')`,
    userId,
    organizationId,
  );
  run(
    `INSERT INTO analytics_conversations (conversation_id, organization_id, version, derived_version)
     SELECT id, organization_id, 1, 0 FROM conversations WHERE organization_id = ?`,
    organizationId,
  );
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;');
}

/** Nearest rank, as the Worker reports it: the value at rank ⌈p·n/100⌉ of the sorted values. */
function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (!n) return { count: 0, meanMs: null, medianMs: null, p90Ms: null };
  const rank = (p) => sorted[Math.floor((p * n + 99) / 100) - 1];
  return {
    count: n,
    meanMs: Math.round(sorted.reduce((a, b) => a + b, 0) / n),
    medianMs: rank(50),
    p90Ms: rank(90),
  };
}

const ratio = (a, b) => (b ? a / b : null);

const resolved = "status IN ('CLOSED', 'ARCHIVED')";
// A reply reached the customer: an agent's or the AI's message, or an AI draft once approved (at its approval).
const reply = (m) =>
  `${m}.sender_type IN ('AGENT', 'AI') AND ${m}.is_note = 0 AND ${m}.approval_status IN ('NONE', 'APPROVED')`;
const repliedAt = (m) => `CASE WHEN ${m}.approval_status = 'APPROVED' THEN ${m}.updated_at ELSE ${m}.created_at END`;

/** Each conversation's first customer message and the first reply after it, for replies in [start, end). */
function firstReplies(db, organizationId, start, end) {
  return db
    .prepare(
      `WITH f AS (SELECT conversation_id, MIN(created_at) AS t0 FROM messages
                  WHERE organization_id = ? AND sender_type = 'CONTACT' GROUP BY conversation_id)
       SELECT f.t0, ${repliedAt('r')} AS t1, r.sender_type, r.sender_id, c.channel_id FROM f
         JOIN conversations c ON c.id = f.conversation_id
         JOIN messages r ON r.id =
         (SELECT m.id FROM messages m WHERE m.conversation_id = f.conversation_id AND ${reply('m')}
            AND ${repliedAt('m')} >= f.t0 ORDER BY ${repliedAt('m')}, m.seq LIMIT 1)
       WHERE ${repliedAt('r')} >= ? AND ${repliedAt('r')} < ?`,
    )
    .all(...ints([organizationId, start, end]));
}

const NO_CHANNEL_FIGURES = {
  newConversations: 0,
  resolutions: 0,
  customerMessages: 0,
  replies: 0,
  firstResponse: stats([]),
};

/** The per-channel breakdown of [start, end), straight from conversations and messages. */
function rawChannels(db, organizationId, start, end) {
  const byChannel = (sql) =>
    new Map(
      db
        .prepare(sql)
        .all(...ints([organizationId, start, end]))
        .map((r) => [r.channel_id, Number(r.n)]),
    );
  const opened = byChannel(
    `SELECT channel_id, COUNT(*) AS n FROM conversations WHERE organization_id = ? AND created_at >= ? AND created_at < ?
     GROUP BY channel_id`,
  );
  const resolutions = byChannel(
    `SELECT channel_id, COUNT(*) AS n FROM conversations WHERE organization_id = ? AND ${resolved}
       AND closed_at >= ? AND closed_at < ? GROUP BY channel_id`,
  );
  const customer = byChannel(
    `SELECT c.channel_id, COUNT(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.organization_id = ? AND m.sender_type = 'CONTACT' AND m.created_at >= ? AND m.created_at < ? GROUP BY c.channel_id`,
  );
  const replies = byChannel(
    `SELECT c.channel_id, COUNT(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.organization_id = ? AND ${reply('m')} AND ${repliedAt('m')} >= ? AND ${repliedAt('m')} < ? GROUP BY c.channel_id`,
  );
  const firsts = firstReplies(db, organizationId, start, end);
  const ids = new Set([...opened.keys(), ...resolutions.keys(), ...customer.keys(), ...replies.keys()]);
  return new Map(
    [...ids].map((id) => [
      id,
      {
        newConversations: opened.get(id) ?? 0,
        resolutions: resolutions.get(id) ?? 0,
        customerMessages: customer.get(id) ?? 0,
        replies: replies.get(id) ?? 0,
        firstResponse: stats(firsts.filter((f) => f.channel_id === id).map((f) => Number(f.t1 - f.t0))),
      },
    ]),
  );
}

/** Every figure the reports show, straight from conversations and messages. */
function rawFigures(db, organizationId, userId) {
  const one = (sql, ...params) => Object.values(db.prepare(sql).get(...ints(params)))[0];
  const all = (sql, ...params) => db.prepare(sql).all(...ints(params));
  const firsts = firstReplies(db, organizationId, START, END);
  // Each channel beside the period of the same length just before.
  const current = rawChannels(db, organizationId, START, END);
  const before = rawChannels(db, organizationId, PREVIOUS_START, START);
  const channels = [...new Set([...current.keys(), ...before.keys()])]
    .sort((a, b) => a.localeCompare(b))
    .map((channelId) => {
      const c = current.get(channelId) ?? NO_CHANNEL_FIGURES;
      const p = before.get(channelId) ?? NO_CHANNEL_FIGURES;
      return {
        channelId,
        newConversations: c.newConversations,
        previousNewConversations: p.newConversations,
        resolutions: c.resolutions,
        previousResolutions: p.resolutions,
        customerMessages: c.customerMessages,
        previousCustomerMessages: p.customerMessages,
        replies: c.replies,
        previousReplies: p.replies,
        firstResponse: c.firstResponse,
        previousFirstResponse: p.firstResponse,
      };
    });
  const resolutions = all(
    `SELECT closed_at - created_at AS ms,
       (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND ${reply('m')}) AS replies
     FROM conversations c WHERE organization_id = ? AND ${resolved} AND closed_at >= ? AND closed_at < ?`,
    organizationId,
    START,
    END,
  );
  // The AI is involved in a conversation by any message of its own, a draft still pending or rejected included.
  const started = all(
    `SELECT c.id, c.closed_at IS NOT NULL AND ${resolved.replace('status', 'c.status')} AS resolved,
       EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender_type = 'AI' AND m.is_note = 0) AS ai,
       EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender_type = 'AI' AND ${reply('m')}) AS aiAnswered,
       EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender_type = 'AGENT' AND m.is_note = 0) AS human
     FROM conversations c WHERE organization_id = ? AND created_at >= ? AND created_at < ?`,
    organizationId,
    START,
    END,
  );
  // AI drafts: written on the day the AI wrote them, decided on the day of the agent's decision.
  const drafts = db
    .prepare(
      `SELECT
         SUM(approval_status <> 'NONE' AND created_at >= ?2 AND created_at < ?3) AS created,
         SUM(approval_status = 'APPROVED' AND updated_at >= ?2 AND updated_at < ?3) AS approved,
         SUM(approval_status = 'APPROVED' AND original_content IS NOT NULL AND updated_at >= ?2 AND updated_at < ?3) AS edited,
         SUM(approval_status = 'REJECTED' AND updated_at >= ?2 AND updated_at < ?3) AS rejected
       FROM messages WHERE organization_id = ?1 AND sender_type = 'AI'`,
    )
    .get(...ints([organizationId, START, END]));
  const draftFigures = {
    created: Number(drafts.created ?? 0),
    approved: Number(drafts.approved ?? 0),
    edited: Number(drafts.edited ?? 0),
    rejected: Number(drafts.rejected ?? 0),
  };
  const customerMessages = one(
    `SELECT COUNT(*) FROM messages WHERE organization_id = ? AND sender_type = 'CONTACT' AND created_at >= ? AND created_at < ?`,
    organizationId,
    START,
    END,
  );
  const repliesBy = all(
    `SELECT sender_type, COUNT(*) AS n FROM messages m WHERE organization_id = ? AND ${reply('m')}
       AND ${repliedAt('m')} >= ? AND ${repliedAt('m')} < ? GROUP BY sender_type`,
    organizationId,
    START,
    END,
  );
  const agentReplies = repliesBy.find((r) => r.sender_type === 'AGENT')?.n ?? 0;
  const aiReplies = repliesBy.find((r) => r.sender_type === 'AI')?.n ?? 0;
  const backlog = one(
    `SELECT COUNT(*) FROM conversations WHERE organization_id = ? AND created_at < ?
     AND NOT (${resolved} AND closed_at < ?)`,
    organizationId,
    END,
    END,
  );
  const perDay = (sql) => new Map(all(sql, organizationId, START, END).map((r) => [r.day, Number(r.n)]));
  const newByDay = perDay(
    `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day, COUNT(*) AS n FROM conversations
     WHERE organization_id = ? AND created_at >= ? AND created_at < ? GROUP BY day`,
  );
  const resolvedByDay = perDay(
    `SELECT strftime('%Y-%m-%d', closed_at / 1000, 'unixepoch') AS day, COUNT(*) AS n FROM conversations
     WHERE organization_id = ? AND ${resolved} AND closed_at >= ? AND closed_at < ? GROUP BY day`,
  );
  const days = [];
  for (let t = START; t < END; t += DAY) {
    const day = isoDay(t);
    days.push({ day, newConversations: newByDay.get(day) ?? 0, resolutions: resolvedByDay.get(day) ?? 0 });
  }
  const languages = all(
    `SELECT language, COUNT(*) AS messages FROM messages WHERE organization_id = ? AND sender_type = 'CONTACT'
     AND created_at >= ? AND created_at < ? GROUP BY language ORDER BY messages DESC, language`,
    organizationId,
    START,
    END,
  ).map((r) => ({ language: r.language, messages: Number(r.messages) }));
  const heatmap = all(
    `SELECT CAST(strftime('%w', created_at / 1000, 'unixepoch') AS INTEGER) AS w,
       CAST(strftime('%H', created_at / 1000, 'unixepoch') AS INTEGER) AS hour, COUNT(*) AS messages
     FROM messages WHERE organization_id = ? AND sender_type = 'CONTACT' AND created_at >= ? AND created_at < ?
     GROUP BY w, hour`,
    organizationId,
    START,
    END,
  )
    .map((r) => ({ weekday: Number(r.w) === 0 ? 7 : Number(r.w), hour: Number(r.hour), messages: Number(r.messages) }))
    .sort((a, b) => a.weekday - b.weekday || a.hour - b.hour);

  const aiInvolved = started.filter((s) => s.ai).length;
  const aiAnswered = started.filter((s) => s.aiAnswered).length;
  const aiResolvedAlone = started.filter((s) => s.ai && s.resolved && !s.human).length;
  const totalReplies = resolutions.reduce((a, r) => a + Number(r.replies), 0);
  const overview = {
    newConversations: started.length,
    reopened: 0,
    resolutions: resolutions.length,
    backlog: Number(backlog),
    customerMessages: Number(customerMessages),
    replies: agentReplies + aiReplies,
    firstResponse: stats(firsts.map((f) => Number(f.t1 - f.t0))),
    resolutionTime: stats(resolutions.map((r) => Number(r.ms))),
    repliesPerResolution: ratio(totalReplies, resolutions.length),
    aiAnsweredShare: ratio(aiAnswered, started.length),
    aiResolutionRate: ratio(aiResolvedAlone, aiInvolved),
  };
  const byAgent = firsts.filter((f) => f.sender_type === 'AGENT' && f.sender_id === userId);
  return {
    overview,
    conversations: { days, languages, heatmap, channels },
    agents: {
      agentId: userId,
      replies: agentReplies,
      resolutions: resolutions.length,
      firstResponse: stats(byAgent.map((f) => Number(f.t1 - f.t0))),
      resolutionTime: overview.resolutionTime,
      // The one bench agent decides every draft.
      draftsApproved: draftFigures.approved,
      draftsEdited: draftFigures.edited,
      draftsRejected: draftFigures.rejected,
    },
    ai: {
      conversations: started.length,
      aiInvolved,
      aiAnswered,
      aiResolvedAlone,
      aiReplies,
      firstResponsesByAi: firsts.filter((f) => f.sender_type === 'AI').length,
      drafts: draftFigures,
    },
  };
}

/** The same figures, picked from the Worker's four reports. */
function workerFigures(reports, userId) {
  const { overview, conversations, agents, ai } = reports;
  const agent = agents.agents.find((a) => a.agentId === userId) ?? {};
  return {
    overview: overview.current,
    conversations: {
      days: conversations.days.map((d) => ({
        day: d.day,
        newConversations: d.newConversations,
        resolutions: d.resolutions,
      })),
      languages: [...conversations.languages].sort(
        (a, b) => b.messages - a.messages || a.language.localeCompare(b.language),
      ),
      heatmap: conversations.heatmap,
      channels: [...conversations.channels]
        .sort((a, b) => a.channelId.localeCompare(b.channelId))
        .map((c) => ({
          channelId: c.channelId,
          newConversations: c.newConversations,
          previousNewConversations: c.previousNewConversations,
          resolutions: c.resolutions,
          previousResolutions: c.previousResolutions,
          customerMessages: c.customerMessages,
          previousCustomerMessages: c.previousCustomerMessages,
          replies: c.replies,
          previousReplies: c.previousReplies,
          firstResponse: c.firstResponse,
          previousFirstResponse: c.previousFirstResponse,
        })),
    },
    agents: {
      agentId: agent.agentId,
      replies: agent.replies,
      resolutions: agent.resolutions,
      firstResponse: agent.firstResponse,
      resolutionTime: agent.resolutionTime,
      draftsApproved: agent.draftsApproved,
      draftsEdited: agent.draftsEdited,
      draftsRejected: agent.draftsRejected,
    },
    ai: {
      conversations: ai.current.conversations,
      aiInvolved: ai.current.aiInvolved,
      aiAnswered: ai.current.aiAnswered,
      aiResolvedAlone: ai.current.aiResolvedAlone,
      aiReplies: ai.current.aiReplies,
      firstResponsesByAi: ai.current.firstResponsesByAi,
      drafts: ai.current.drafts,
    },
  };
}

/** Paths where two figure trees differ (numbers compared to 1e-9). */
function differences(a, b, at = '') {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) < 1e-9 ? [] : [`${at}: ${a} ≠ ${b}`];
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => differences(a[k], b[k], `${at}.${k}`));
  }
  return a === b ? [] : [`${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
}

const fmt = (ms) => `${ms.toFixed(1)} ms`;

async function main() {
  console.log(`Seeding ${CONVERSATIONS.toLocaleString()} conversations and ${MESSAGES.toLocaleString()} messages…`);
  const migrate = spawnSync(
    process.execPath,
    [wranglerJs, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist],
    { cwd: root, env: { ...process.env, CI: '1' }, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  let worker = await startWorker();
  const account = { email: 'bench@example.test', password: 'bench password 1' };
  const json = { 'content-type': 'application/json' };
  await fetch(`${worker.base}/api/auth/signup`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ ...account, name: 'Bench', organizationName: 'Bench' }),
  });
  const login = await fetch(`${worker.base}/api/auth/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify(account),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const { data } = await login.json();
  const organizationId = data.organization.id;
  const userId = data.user.id;
  await worker.stop();

  let t = performance.now();
  const db = new DatabaseSync(d1File());
  seed(db, organizationId, userId);
  shapeHistory(db, userId);
  writeReportingEvents(db, organizationId, userId);
  const events = db.prepare('SELECT COUNT(*) AS n FROM analytics_events').get().n;
  console.log(
    `Seeded with ${Number(events).toLocaleString()} reporting events in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  worker = await startWorker();
  const get = async (path) => {
    const res = await fetch(`${worker.base}${path}`, { headers: { cookie } });
    const body = await res.json();
    if (!body.success) throw new Error(`${path}: ${JSON.stringify(body)}`);
    return body.data;
  };
  const query = `from=${FROM}&to=${TO}`;
  const rows = [];
  try {
    // The Worker derives the cycles and rollups from the events as reports flush them.
    t = performance.now();
    let flushes = 0;
    for (;;) {
      const { pending } = await get(`/api/analytics/overview?${query}`);
      flushes++;
      if (!pending.conversations && !pending.days) break;
    }
    console.log(
      `Derived cycles and daily rollups through the Worker in ${((performance.now() - t) / 1000).toFixed(1)} s (${flushes} flushes)\n`,
    );

    const reports = {};
    const timings = {};
    for (const name of ['overview', 'conversations', 'agents', 'ai']) {
      const samples = [];
      for (let i = 0; i < RUNS + 2; i++) {
        const s = performance.now();
        reports[name] = await get(`/api/analytics/${name}?${query}`);
        if (i >= 2) samples.push(performance.now() - s);
      }
      timings[name] = samples;
    }
    const raw = [];
    let expected;
    for (let i = 0; i < RAW_RUNS; i++) {
      const s = performance.now();
      expected = rawFigures(db, organizationId, userId);
      raw.push(performance.now() - s);
    }
    const actual = workerFigures(reports, userId);
    for (const name of ['overview', 'conversations', 'agents', 'ai']) {
      const diff = differences(actual[name], expected[name], name);
      rows.push({ name, samples: timings[name], diff });
    }
    const rawP50 = percentile(raw, 50);
    console.log(
      `Raw SQL over conversations + messages (all four reports' figures): p50 ${fmt(rawP50)} p99 ${fmt(percentile(raw, 99))}`,
    );
    for (const r of rows) {
      const p50 = percentile(r.samples, 50);
      console.log(
        `${r.name.padEnd(14)} worker p50 ${fmt(p50)} p99 ${fmt(percentile(r.samples, 99))} | raw SQL p50 ${fmt(rawP50)} | ` +
          `raw/worker ${(rawP50 / p50).toFixed(1)}× | ${r.diff.length ? `DISAGREE (${r.diff.length})` : 'same numbers'}`,
      );
      for (const d of r.diff.slice(0, 10)) console.log(`    ${d}`);
    }
    const o = expected.overview;
    console.log(
      `\nFigures (${FROM}..${TO}, UTC): ${o.newConversations} new, ${o.resolutions} resolutions, backlog ${o.backlog}, ` +
        `${o.customerMessages} customer messages, first response median ${(o.firstResponse.medianMs / 60000).toFixed(1)} min ` +
        `(p90 ${(o.firstResponse.p90Ms / 60000).toFixed(1)} min, n=${o.firstResponse.count}), AI resolution rate ` +
        `${(o.aiResolutionRate * 100).toFixed(1)} %`,
    );
    const d = expected.ai.drafts;
    console.log(
      `AI drafts: ${d.created} written, ${d.approved} approved (${d.edited} of them edited first), ${d.rejected} rejected; ` +
        `AI answered ${expected.ai.aiAnswered} of the ${expected.ai.aiInvolved} conversations it was involved in`,
    );
  } finally {
    await worker.stop();
    db.close();
    rmSync(persist, { recursive: true, force: true });
  }
  const disagreements = rows.filter((r) => r.diff.length).length;
  if (disagreements) {
    console.log(`\n${disagreements} report(s) disagree with the raw SQL`);
    process.exit(1);
  }
  console.log('\nEvery report agrees with the raw SQL over the base tables.');
}

main().catch((error) => {
  console.error(error);
  rmSync(persist, { recursive: true, force: true });
  process.exit(1);
});
