// Capacity (docs/capacity.md): what a conversation and a message cost in D1, where one installation hits D1's
// 10 GB cap, and whether archiving (worker/archive/) keeps D1 and the inbox list flat as history grows.
// 1. Seeds BENCH_CONVERSATIONS conversations / BENCH_MESSAGES messages (default 100,000 / 1,000,000) with the
//    inbox bench's generator and attributes every page of the D1 file to its table (SQLite's dbstat): bytes per
//    message and per conversation including indexes and the FTS5 search tables, and the resulting ceilings.
// 2. Adds CAPACITY_STEPS steps (default 3) of CAPACITY_STEP_CONVERSATIONS conversations (default 10,000, with
//    10 messages each) closed 60 days ago; after each step, the Worker's minute cron (triggered through
//    `wrangler dev`'s scheduled handler, default batch of 50 per run) archives them to R2. Prints at each step D1's used bytes before and
//    after archiving, what R2 holds, and the inbox list's p50/p99 through the Worker.
// Needs Node ≥ 22.5 (the repo's pinned node 24 via `npm run bench`).
import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { d1File, ints, percentile, persist, root, seed, startWorker, wranglerJs } from './inbox-list.mjs';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const STEPS = Number(process.env.CAPACITY_STEPS ?? 3);
const STEP_CONVERSATIONS = Number(process.env.CAPACITY_STEP_CONVERSATIONS ?? 5_000);
const STEP_MESSAGES_EACH = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
/** The Worker's default batch (ARCHIVE_BATCH_SIZE): conversations archived per cron run. */
const ARCHIVE_BATCH = 50;
const D1_CAP = 10_000_000_000;
const DAY = 86_400_000;

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (value) => `${value.toFixed(1)} ms`;

/** Bytes of every table, index and FTS shadow table, attributed to the table they serve. */
function attribute(db) {
  const owners = new Map();
  for (const row of db.prepare('SELECT type, name, tbl_name FROM sqlite_schema').all()) {
    owners.set(row.name, row.type === 'index' ? row.tbl_name : row.name);
  }
  const groups = new Map();
  for (const row of db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all()) {
    let owner = owners.get(row.name) ?? row.name;
    // FTS5 shadow tables (x_data, x_idx, x_content, x_docsize, x_config) belong to x.
    const fts = /^(.*_fts)_(data|idx|content|docsize|config)$/.exec(owner);
    if (fts) owner = fts[1];
    const group = groups.get(owner) ?? { table: 0, indexes: 0 };
    if (row.name === owner || fts) group.table += Number(row.bytes);
    else group.indexes += Number(row.bytes);
    groups.set(owner, group);
  }
  return groups;
}

function used(db) {
  const pageSize = Number(db.prepare('PRAGMA page_size').get().page_size);
  const pages = Number(db.prepare('PRAGMA page_count').get().page_count);
  const free = Number(db.prepare('PRAGMA freelist_count').get().freelist_count);
  return { used: (pages - free) * pageSize, file: pages * pageSize };
}

/** A 36-character id like the Worker's crypto.randomUUID() ones (the generator's short ids understate every index). */
const uuid = (kind, i) => `printf('%08d-${kind}-4000-8000-%012d', ?, ${i})`;

/**
 * STEP_CONVERSATIONS contacts and conversations with 10 messages each, closed `closedDaysAgo` days ago, with
 * production-length ids, so the step's growth in D1 is what such history really costs.
 */
function addClosedHistory(db, organizationId, step, closedDaysAgo) {
  const now = Date.now();
  const closedAt = now - closedDaysAgo * DAY;
  const run = (sql, ...params) => db.prepare(sql).run(...ints(params));
  db.exec('BEGIN');
  run(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
     INSERT INTO contacts (id, organization_id, channel_id, external_id, name, email, next_conversation_id, created_at, updated_at)
     SELECT ${uuid('cths', 'i')}, ?, 'bench-ch' || (i % 4), ${uuid('exhs', 'i')}, 'History Contact' || i,
       'h' || ? || '.' || i || '@example.test', ${uuid('nxhs', 'i')}, ?, ? FROM n`,
    STEP_CONVERSATIONS,
    step,
    organizationId,
    step,
    step,
    step,
    closedAt,
    closedAt,
  );
  run(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
     INSERT INTO conversations (id, organization_id, channel_id, contact_id, status, priority, language, unread_count,
       message_count, last_message_at, last_message_preview, closed_at, created_at, updated_at)
     SELECT ${uuid('cvhs', 'i')}, ?, 'bench-ch' || (i % 4), ${uuid('cths', 'i')},
       CASE WHEN i % 2 = 0 THEN 'CLOSED' ELSE 'ARCHIVED' END,
       'NORMAL', 'en', 0, ?, ? - i, 'History preview ' || i, ? - i, ? - i - 3600000, ? - i FROM n`,
    STEP_CONVERSATIONS,
    step,
    organizationId,
    step,
    STEP_MESSAGES_EACH,
    closedAt,
    closedAt,
    closedAt,
    closedAt,
  );
  run(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
     INSERT INTO messages (id, organization_id, conversation_id, seq, direction, is_note, sender_type, content, attachments,
       approval_status, delivery_status, created_at, updated_at)
     SELECT ${uuid('mshs', 'i')}, ?, ${uuid('cvhs', 'i / ?')}, i % ? + 1,
       CASE WHEN i % 2 = 0 THEN 'INBOUND' ELSE 'OUTBOUND' END, 0, CASE WHEN i % 2 = 0 THEN 'CONTACT' ELSE 'AGENT' END,
       'History message ' || i || ' about the ' ||
         (CASE i % 8 WHEN 0 THEN 'parcel' WHEN 1 THEN 'invoice' WHEN 2 THEN 'refund' WHEN 3 THEN 'password'
           WHEN 4 THEN 'delivery' WHEN 5 THEN 'discount' WHEN 6 THEN 'account' ELSE 'warranty' END) ||
         CASE WHEN i % 1009 = 0 THEN ' and an old okapiflux issue' ELSE '' END,
       '[]', 'NONE', 'DELIVERED', ? - 3600000 + i % ?, ? - 3600000 + i % ? FROM n`,
    STEP_CONVERSATIONS * STEP_MESSAGES_EACH,
    step,
    organizationId,
    step,
    STEP_MESSAGES_EACH,
    STEP_MESSAGES_EACH,
    closedAt,
    STEP_MESSAGES_EACH,
    closedAt,
    STEP_MESSAGES_EACH,
  );
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;');
}

async function timeList(base, cookie, query) {
  const url = `${base}/api/conversations?${new URLSearchParams(query)}`;
  const times = [];
  let total = 0;
  for (let i = 0; i < RUNS + 3; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers: { cookie } });
    const body = await res.json();
    if (!body.success) throw new Error(`${JSON.stringify(query)}: ${JSON.stringify(body)}`);
    total = body.data.total;
    if (i >= 3) times.push(performance.now() - t);
  }
  return { total, p50: percentile(times, 50), p99: percentile(times, 99) };
}

const LISTS = [
  ['no filter', {}],
  ['status=CLOSED', { status: 'CLOSED' }],
  ['search=okapiflux', { search: 'okapiflux' }],
];

async function measureLists(base, cookie) {
  const out = {};
  for (const [label, query] of LISTS) out[label] = await timeList(base, cookie, query);
  return out;
}

/** Triggers the minute cron until the archive has every closed-for-30-days conversation. */
async function archiveAll(base, db, expected) {
  const started = performance.now();
  const before = Number(db.prepare('SELECT COUNT(*) AS n FROM conversation_archives').get().n);
  for (let runs = 1; ; runs++) {
    const res = await fetch(`${base}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`);
    if (!res.ok) throw new Error(`scheduled handler: ${res.status} ${await res.text()}`);
    const archived = Number(db.prepare('SELECT COUNT(*) AS n FROM conversation_archives').get().n);
    if (archived >= expected) return { runs, seconds: (performance.now() - started) / 1000 };
    if (runs > Math.ceil((expected - before) / ARCHIVE_BATCH) * 2 + 10) {
      throw new Error(`archive stalled at ${archived}/${expected}`);
    }
  }
}

/** Starts the Worker, runs `work` against it, stops it (the bench writes to the D1 file only while it is down). */
async function withWorker(work) {
  const worker = await startWorker();
  try {
    return await work(worker.base);
  } finally {
    await worker.stop();
  }
}

async function main() {
  console.log(`Seeding ${CONVERSATIONS.toLocaleString()} conversations and ${MESSAGES.toLocaleString()} messages…`);
  const migrate = spawnSync(
    process.execPath,
    [wranglerJs, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist],
    { cwd: root, env: { ...process.env, CI: '1' }, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  let worker = await startWorker();
  const account = { email: 'capacity@example.test', password: 'bench password 1' };
  const signup = await fetch(`${worker.base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...account, name: 'Bench', organizationName: 'Bench' }),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status}`);
  const login = await fetch(`${worker.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const { data } = await login.json();
  await worker.stop();
  worker = null;

  const db = new DatabaseSync(d1File());
  seed(db, data.organization.id, data.user.id);
  // The generator's email channel has no real credentials: keep the cron's IMAP poll from retrying it each run.
  db.exec("UPDATE channels SET is_active = 0 WHERE type = 'EMAIL'");
  db.exec('VACUUM');

  // ── 1. Bytes per message and per conversation ──
  const groups = attribute(db);
  const sum = (names) =>
    names.reduce((acc, name) => acc + (groups.get(name)?.table ?? 0) + (groups.get(name)?.indexes ?? 0), 0);
  console.log(`\nD1 file after seeding: ${mb(statSync(d1File()).size)}; bytes by table (table + its indexes):`);
  const rows = [...groups].sort((a, b) => b[1].table + b[1].indexes - (a[1].table + a[1].indexes)).slice(0, 10);
  for (const [name, g] of rows) {
    console.log(`  ${name.padEnd(28)} table ${mb(g.table).padStart(10)}  indexes ${mb(g.indexes).padStart(10)}`);
  }
  const perMessage = sum(['messages', 'messages_fts', 'message_events']) / MESSAGES;
  const perConversation = sum(['conversations', 'contacts', 'contacts_fts']) / CONVERSATIONS;
  const messagesPerConversation = MESSAGES / CONVERSATIONS;
  const perConversationWithMessages = perConversation + perMessage * messagesPerConversation;
  console.log(
    `\nPer message: ${perMessage.toFixed(0)} B (row ${(sum(['messages']) / MESSAGES).toFixed(0)} B incl. indexes, FTS5 ${(sum(['messages_fts']) / MESSAGES).toFixed(0)} B)`,
  );
  console.log(`Per conversation (row + indexes + its contact + contact search): ${perConversation.toFixed(0)} B`);
  console.log(
    `Per conversation with its ${messagesPerConversation} messages: ${perConversationWithMessages.toFixed(0)} B` +
      ` → D1's 10 GB hold ${(D1_CAP / perConversationWithMessages / 1e6).toFixed(1)} M conversations / ${(((D1_CAP / perConversationWithMessages) * messagesPerConversation) / 1e6).toFixed(0)} M messages`,
  );
  // A typical organisation: 1,500 conversations a month, 10 messages each, two years kept.
  const typical = { conversations: 1_500 * 24, messages: 1_500 * 24 * 10 };
  const orgBytes = typical.conversations * perConversation + typical.messages * perMessage;
  console.log(
    `Typical organisation (1,500 conversations/month × 10 messages, 24 months): ${mb(orgBytes)} → ${Math.floor(D1_CAP / orgBytes)} organisations per installation without archiving`,
  );

  // ── 2. Archived history grows; D1 and the list stay flat ──
  const baseline = used(db);
  console.log(`\nD1 used before any history: ${mb(baseline.used)}`);
  const table = [];
  const lists = await withWorker((base) => measureLists(base, cookie));
  table.push({ step: 0, archived: 0, before: baseline.used, after: baseline.used, r2: 0, beforeLists: lists, lists });
  for (let step = 1; step <= STEPS; step++) {
    addClosedHistory(db, data.organization.id, step, 60);
    const before = used(db).used;
    const measured = await withWorker(async (base) => {
      const beforeLists = await measureLists(base, cookie);
      const archiving = await archiveAll(base, db, step * STEP_CONVERSATIONS);
      return { beforeLists, ...archiving, lists: await measureLists(base, cookie) };
    });
    const { runs, seconds, beforeLists } = measured;
    // Archived conversations stay findable: the search finds the same conversations before and after.
    for (const [label] of LISTS) {
      if (beforeLists[label].total !== measured.lists[label].total) {
        throw new Error(`${label}: ${beforeLists[label].total} before archiving, ${measured.lists[label].total} after`);
      }
    }
    const after = used(db);
    const r2 = Number(db.prepare('SELECT COALESCE(SUM(bytes), 0) AS b FROM conversation_archives').get().b);
    const left = Number(db.prepare("SELECT COUNT(*) AS n FROM messages WHERE conversation_id LIKE '%-cvhs-%'").get().n);
    if (left) throw new Error(`${left} archived messages still in D1`);
    console.log(
      `step ${step}: +${STEP_CONVERSATIONS.toLocaleString()} closed conversations (search=okapiflux finds ${measured.lists['search=okapiflux'].total} before and after); archived in ${runs} cron runs (${seconds.toFixed(0)} s, ${(STEP_CONVERSATIONS / seconds) | 0} conversations/s)`,
    );
    table.push({
      step,
      archived: step * STEP_CONVERSATIONS,
      before,
      beforeLists,
      after: after.used,
      file: after.file,
      r2,
      lists: measured.lists,
    });
  }
  const archiveGroups = attribute(db);
  const archivedCount = STEPS * STEP_CONVERSATIONS;
  const fts = (archiveGroups.get('archived_conversations_fts')?.table ?? 0) / archivedCount;
  const archiveRow =
    ((archiveGroups.get('conversation_archives')?.table ?? 0) +
      (archiveGroups.get('conversation_archives')?.indexes ?? 0)) /
    archivedCount;
  db.close();

  console.log(
    '\nstep  archived conv.  D1 used: history in D1 → archived   R2 archive   list p50 / p99, history in D1 → archived (no filter | CLOSED | search)',
  );
  for (const r of table) {
    const lists = LISTS.map(
      ([label]) =>
        `${ms(r.beforeLists[label].p50)}/${ms(r.beforeLists[label].p99)} → ${ms(r.lists[label].p50)}/${ms(r.lists[label].p99)}`,
    ).join(' | ');
    console.log(
      `${String(r.step).padStart(4)}  ${r.archived.toLocaleString().padStart(14)}  ${mb(r.before).padStart(10)} → ${mb(r.after).padStart(10)}         ${mb(r.r2).padStart(10)}   ${lists}`,
    );
  }
  const last = table.at(-1);
  const first = table[0];
  const liveGrowth = table.slice(1).map((r, i) => r.before - table[i].after);
  const livePerConversation = liveGrowth.reduce((a, b) => a + b, 0) / liveGrowth.length / STEP_CONVERSATIONS;
  console.log(
    `\nD1 growth per closed conversation with ${STEP_MESSAGES_EACH} messages and 36-character ids, kept live: ${livePerConversation.toFixed(0)} B` +
      ` → D1's 10 GB hold ${(D1_CAP / livePerConversation / 1e6).toFixed(2)} M such conversations / ${(((D1_CAP / livePerConversation) * STEP_MESSAGES_EACH) / 1e6).toFixed(0)} M messages`,
  );
  console.log(
    `\nD1 growth per archived conversation (its row, contact, archive row and search row stay): ${((last.after - first.after) / archivedCount).toFixed(0)} B` +
      ` (search row ${fts.toFixed(0)} B, archive row ${archiveRow.toFixed(0)} B) against ${livePerConversation.toFixed(0)} B kept live;` +
      ` R2 per archived conversation ${(last.r2 / archivedCount).toFixed(0)} B`,
  );
  // The typical organisation after two years: 36,000 conversations; with archiving, the last 1.5 months live.
  const residual = (last.after - first.after) / archivedCount;
  const typicalLive = 36_000 * livePerConversation;
  const typicalArchived = 2_250 * livePerConversation + 33_750 * residual;
  console.log(
    `Typical organisation, 36-character ids: ${mb(typicalLive)} kept live → ${Math.floor(D1_CAP / typicalLive)} per installation;` +
      ` archiving after 30 days: ${mb(typicalArchived)} → ${Math.floor(D1_CAP / typicalArchived)} per installation`,
  );
  console.log(
    `List p50 no filter: ${ms(first.lists['no filter'].p50)} before any history, ${ms(last.lists['no filter'].p50)} with ${archivedCount.toLocaleString()} archived (${(last.lists['no filter'].p50 / first.lists['no filter'].p50).toFixed(2)}×)`,
  );
  rmSync(persist, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  rmSync(persist, { recursive: true, force: true });
  process.exit(1);
});
