// Inbox list at scale: seeds BENCH_CONVERSATIONS conversations (default 100,000) and BENCH_MESSAGES messages
// (default 1,000,000) into a local D1 database, then times GET /api/conversations through the Worker
// (`wrangler dev`) against the very same SQL run directly on the SQLite file, and prints each filter
// combination's query plan, failing if any of them scans the conversations table.
// Needs Node ≥ 22.5 with type stripping (the repo's pinned node 24 via `npm run bench`).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { listQueries } from '../worker/conversations/inbox-query.ts';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
export const root = path.join(import.meta.dirname, '..');
// Run wrangler with this Node, whatever `node` is first on PATH.
export const wranglerJs = path.join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
export const persist = mkdtempSync(path.join(tmpdir(), 'inbox-bench-'));
const vars = {
  SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123456789',
  ENCRYPTION_KEY: 'bench:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
};

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startWorker() {
  const port = await freePort();
  const args = ['dev', '--local', '--port', String(port), '--persist-to', persist, '--log-level', 'warn'];
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
  const child = spawn(process.execPath, [wranglerJs, ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CI: '1' },
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    try {
      await fetch(`${base}/api/auth/me`);
      const stop = () =>
        new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGTERM');
        });
      return { base, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  child.kill('SIGTERM');
  throw new Error('wrangler dev did not start');
}

export function d1File() {
  const dir = path.join(persist, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(dir).find((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  return path.join(dir, file);
}

/** node:sqlite binds every JS number as REAL; SQLite integers must be BigInts. */
export const ints = (params) => params.map((p) => (typeof p === 'number' && Number.isInteger(p) ? BigInt(p) : p));

export function seed(db, organizationId, userId) {
  const now = Date.now();
  const perConversation = MESSAGES / CONVERSATIONS;
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;');
  db.exec('BEGIN');
  const channels = [
    ['bench-ch0', 'WEBSITE_CHAT'],
    ['bench-ch1', 'WEBSITE_CHAT'],
    ['bench-ch2', 'EMAIL'],
    ['bench-ch3', 'WHATSAPP'],
  ];
  const insertChannel =
    db.prepare(`INSERT INTO channels (id, organization_id, type, name, default_language, auto_translate,
    credentials_encrypted, settings, auto_reply, auto_approve, auto_enhance, is_active, created_at, updated_at)
    VALUES (?, ?, ?, ?, 'en', 0, 'none', '{}', 0, 0, 0, 1, ?, ?)`);
  for (const [id, type] of channels) insertChannel.run(...ints([id, organizationId, type, id, now, now]));
  const run = (sql, ...params) => db.prepare(sql).run(...ints(params));
  run(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
     INSERT INTO contacts (id, organization_id, channel_id, external_id, name, email, next_conversation_id, created_at, updated_at)
     SELECT 'ct' || i, ?, 'bench-ch' || (i % 4), 'ext' || i,
       (CASE i % 6 WHEN 0 THEN 'Ada' WHEN 1 THEN 'Boris' WHEN 2 THEN 'Chen' WHEN 3 THEN 'Dana' WHEN 4 THEN 'Emil' ELSE 'Fatima' END) || ' Contact' || i,
       'c' || i || '@example.test', 'next' || i, ?, ?
     FROM n`,
    CONVERSATIONS,
    organizationId,
    now,
    now,
  );
  run(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
     INSERT INTO conversations (id, organization_id, channel_id, contact_id, status, priority, assigned_to_id, language,
       unread_count, message_count, last_message_at, last_message_preview, created_at, updated_at)
     SELECT 'cv' || i, ?, 'bench-ch' || (i % 4), 'ct' || i,
       CASE i % 10 WHEN 0 THEN 'PENDING' WHEN 1 THEN 'CLOSED' WHEN 2 THEN 'ARCHIVED' ELSE 'OPEN' END,
       'NORMAL', CASE WHEN i % 3 = 0 THEN ? END,
       CASE i % 5 WHEN 0 THEN 'de' WHEN 1 THEN 'fr' WHEN 2 THEN 'es' ELSE 'en' END,
       CASE WHEN i % 7 = 0 THEN 2 ELSE 0 END, ?, ? - i * 1000, 'Message preview ' || i, ? - i * 1000, ?
     FROM n`,
    CONVERSATIONS,
    organizationId,
    userId,
    perConversation,
    now,
    now,
    now,
  );
  run(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
     INSERT INTO messages (id, organization_id, conversation_id, seq, direction, is_note, sender_type, content, attachments,
       approval_status, delivery_status, created_at, updated_at)
     SELECT 'm' || i, ?, 'cv' || (i % ?), i / ? + 1,
       CASE WHEN i % 2 = 0 THEN 'INBOUND' ELSE 'OUTBOUND' END, 0,
       CASE WHEN i % 2 = 0 THEN 'CONTACT' ELSE 'AGENT' END,
       'Message ' || i || ' about the ' ||
         (CASE i % 8 WHEN 0 THEN 'parcel' WHEN 1 THEN 'invoice' WHEN 2 THEN 'refund' WHEN 3 THEN 'password'
           WHEN 4 THEN 'delivery' WHEN 5 THEN 'discount' WHEN 6 THEN 'account' ELSE 'warranty' END) ||
         CASE WHEN i % 997 = 0 THEN ' with a rare zebracorn mention' ELSE '' END,
       '[]', 'NONE', 'DELIVERED', ? - i, ? - i
     FROM n`,
    MESSAGES,
    organizationId,
    CONVERSATIONS,
    CONVERSATIONS,
    now,
    now,
  );
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;');
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const fmt = (ms) => `${ms.toFixed(2)} ms`;

async function main() {
  console.log(`Seeding ${CONVERSATIONS.toLocaleString()} conversations and ${MESSAGES.toLocaleString()} messages…`);
  const migrate = spawnSync(
    process.execPath,
    [wranglerJs, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist],
    {
      cwd: root,
      env: { ...process.env, CI: '1' },
      encoding: 'utf8',
    },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

  let worker = await startWorker();
  const signup = await fetch(`${worker.base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: 'bench@example.test',
      password: 'bench password 1',
      name: 'Bench',
      organizationName: 'Bench',
    }),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status}`);
  // Sign-up gives no session (it answers alike for new and taken emails): log in next.
  const login = await fetch(`${worker.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.test', password: 'bench password 1' }),
  });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const { data } = await login.json();
  const organizationId = data.organization.id;
  const userId = data.user.id;
  await worker.stop();

  const started = performance.now();
  const db = new DatabaseSync(d1File());
  seed(db, organizationId, userId);
  const seconds = (performance.now() - started) / 1000;
  console.log(`Seeded in ${seconds.toFixed(1)} s (${(statSync(d1File()).size / 1e6).toFixed(0)} MB database file)\n`);

  const combos = [
    ['no filter', {}],
    ['status=OPEN', { status: 'OPEN' }],
    ['unread=true', { unread: 'true' }],
    ['assignedToId=<agent>', { assignedToId: userId }],
    ['unassigned + OPEN', { assignedToId: 'unassigned', status: 'OPEN' }],
    ['channelType=EMAIL', { channelType: 'EMAIL' }],
    ['channelId + status', { channelId: 'bench-ch1', status: 'OPEN' }],
    ['language=de + unread', { language: 'de', unread: 'true' }],
    ['page 50', { page: '50' }],
    ['search=zebracorn', { search: 'zebracorn' }],
    ['search contact name', { search: 'Contact1234' }],
  ];

  worker = await startWorker();
  let scans = 0;
  const rows = [];
  try {
    for (const [label, query] of combos) {
      const filters = {
        ...query,
        page: Number(query.page ?? 1),
        pageSize: 20,
        ...(query.unread ? { unread: query.unread === 'true' } : {}),
      };
      const { items, count } = listQueries(organizationId, filters);
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${items.sql}`)
        .all(...ints(items.params))
        .concat(db.prepare(`EXPLAIN QUERY PLAN ${count.sql}`).all(...ints(count.params)))
        .map((r) => r.detail);
      const scan = plan.some((d) => /^SCAN (c|conversations)\b/.test(d));
      if (scan) scans++;

      const direct = [];
      const itemsStmt = db.prepare(items.sql);
      const countStmt = db.prepare(count.sql);
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        itemsStmt.all(...ints(items.params));
        countStmt.get(...ints(count.params));
        direct.push(performance.now() - t);
      }
      const url = `${worker.base}/api/conversations?${new URLSearchParams(query)}`;
      const viaWorker = [];
      let total = 0;
      for (let i = 0; i < RUNS + 3; i++) {
        const t = performance.now();
        const res = await fetch(url, { headers: { cookie } });
        const body = await res.json();
        if (!body.success) throw new Error(`${label}: ${JSON.stringify(body)}`);
        total = body.data.total;
        if (i >= 3) viaWorker.push(performance.now() - t);
      }
      rows.push({
        label,
        total,
        workerP50: percentile(viaWorker, 50),
        workerP99: percentile(viaWorker, 99),
        directP50: percentile(direct, 50),
        directP99: percentile(direct, 99),
        plan,
        scan,
      });
    }
  } finally {
    await worker.stop();
    db.close();
  }

  for (const r of rows) {
    console.log(
      `${r.label.padEnd(22)} total ${String(r.total).padStart(7)} | worker p50 ${fmt(r.workerP50)} p99 ${fmt(r.workerP99)}` +
        ` | direct SQL p50 ${fmt(r.directP50)} p99 ${fmt(r.directP99)} | ratio p50 ${(r.workerP50 / r.directP50).toFixed(1)}×`,
    );
  }
  console.log('\nQuery plans (list, then count):');
  for (const r of rows) {
    console.log(`  ${r.label}${r.scan ? '  ← SCANS conversations' : ''}`);
    for (const line of r.plan) console.log(`    ${line}`);
  }
  rmSync(persist, { recursive: true, force: true });
  if (scans) {
    console.log(`\n${scans} filter combination(s) scan the conversations table`);
    process.exit(1);
  }
  console.log('\nNo filter combination scans the conversations table.');
}

// Run only when executed, not when bench/analytics.mjs imports the generator and the Worker helpers.
if (path.resolve(process.argv[1] ?? '') === import.meta.filename) {
  main().catch((error) => {
    console.error(error);
    rmSync(persist, { recursive: true, force: true });
    process.exit(1);
  });
}
