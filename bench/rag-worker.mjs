// RAG retrieval through the Worker: the corpus and both question sets of bench/rag.mjs, seeded into a local D1
// database (the FTS triggers of migrations/0002 index every chunk as the ingest job's inserts do), then each
// question asked with POST /api/knowledge/search (`wrangler dev`, the local embedder: keyword search with lexicon
// expansion and article aggregation, as a deployment without Workers AI runs it). Prints recall@1, recall@5 and
// MRR@10 per set from the Worker's own answers, and the search's latency p50/p99 measured at the client, HTTP and
// session check included. Run: node bench/rag-worker.mjs (RAG_REPEATS=1 for a quick look).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { chunkText } from '../worker/knowledge/chunking.ts';
import { d1File, ints, persist, root, startWorker, wranglerJs } from './inbox-list.mjs';
import { docsCorpus, generatedCorpus, loadSets, percentile } from './rag.mjs';

const REPEATS = Number(process.env.RAG_REPEATS ?? 3);
const GROUP = 'bench-help-centre';

function seed(db, organizationId, articles) {
  const now = Date.now();
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;');
  db.exec('BEGIN');
  db.prepare(
    `INSERT INTO knowledge_groups (id, organization_id, name, description, created_at, updated_at)
     VALUES (?, ?, 'Help centre', NULL, ?, ?)`,
  ).run(...ints([GROUP, organizationId, now, now]));
  const insertArticle = db.prepare(
    `INSERT INTO knowledge_articles (id, organization_id, group_id, title, source, content, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'MANUAL', ?, 'READY', ?, ?)`,
  );
  const insertChunk = db.prepare(
    `INSERT INTO knowledge_chunks (id, organization_id, article_id, group_id, position, heading, text, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let chunks = 0;
  for (const article of articles) {
    insertArticle.run(...ints([article.id, organizationId, GROUP, article.title, article.text, now, now]));
    for (const chunk of chunkText(article.text)) {
      insertChunk.run(
        ...ints([
          `${article.id}#${chunk.position}`,
          organizationId,
          article.id,
          GROUP,
          chunk.position,
          chunk.heading,
          chunk.text,
          now,
        ]),
      );
      chunks++;
    }
  }
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;');
  return chunks;
}

async function main() {
  const articles = [...docsCorpus(), ...generatedCorpus()];
  const sets = loadSets(new Set(articles.map((a) => a.id)), new Map(articles.map((a) => [a.id, a])));
  const migrate = spawnSync(
    process.execPath,
    [wranglerJs, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist],
    { cwd: root, env: { ...process.env, CI: '1' }, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

  let worker = await startWorker();
  const credentials = { email: 'rag@example.test', password: 'bench password 1' };
  const signup = await fetch(`${worker.base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...credentials, name: 'Bench', organizationName: 'Bench' }),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status}`);
  const login = await fetch(`${worker.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const organizationId = (await login.json()).data.organization.id;
  await worker.stop();

  const db = new DatabaseSync(d1File());
  const chunks = seed(db, organizationId, articles);
  db.close();
  console.log(`seeded ${articles.length} articles, ${chunks} chunks; ${REPEATS} runs per question\n`);

  worker = await startWorker();
  try {
    const search = async (query) => {
      const res = await fetch(`${worker.base}/api/knowledge/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ query, limit: 5 }),
      });
      if (res.status !== 200) throw new Error(`search answered ${res.status}: ${await res.text()}`);
      return (await res.json()).data.map((p) => p.articleId);
    };
    await search('warm up');
    const rows = [];
    const latencies = [];
    for (const set of sets) {
      let top1 = 0;
      let top5 = 0;
      let reciprocal = 0;
      for (const q of set.questions) {
        const expected = new Set([q.article, ...(q.also ?? [])]);
        let found = [];
        for (let r = 0; r < REPEATS; r++) {
          const started = performance.now();
          found = await search(q.question);
          latencies.push(performance.now() - started);
        }
        const rank = [...new Set(found)].findIndex((a) => expected.has(a));
        if (rank === 0) top1++;
        if (rank >= 0 && rank < 5) top5++;
        if (rank >= 0) reciprocal += 1 / (rank + 1);
      }
      const n = set.questions.length;
      rows.push({
        set: set.name,
        questions: n,
        'R@1': (top1 / n).toFixed(3),
        'R@5': (top5 / n).toFixed(3),
        MRR: (reciprocal / n).toFixed(3),
      });
    }
    console.table(rows);
    latencies.sort((a, b) => a - b);
    console.log(
      `POST /api/knowledge/search over ${chunks} chunks: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (${latencies.length} requests)`,
    );
  } finally {
    await worker.stop();
  }
}

try {
  await main();
} finally {
  rmSync(persist, { recursive: true, force: true });
}
