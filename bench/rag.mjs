// RAG retrieval bench: builds a knowledge base of ≥ 10,000 chunks (the project's docs and the seed help-centre
// entries in bench/rag-corpus plus a generated help centre), then answers two question sets: bench/rag-qa.json
// (questions in the documents' own wording) and bench/rag-qa-customer.json (written the way customers write,
// before any tuning). Each row is one step of the Worker's retrieval (keyword, vector, fused, lexicon expansion,
// article aggregation) and the last, `search`, is searchKnowledge's offline pipeline as a whole. It runs the
// Worker's own pieces: the chunker, the local embedder, exact cosine top-k, the lexicon, reciprocal rank fusion,
// and the FTS5 table, triggers and BM25 query of migrations/0002_knowledge_search.sql on node:sqlite.
// Run: node bench/rag.mjs [mode …] [--misses] (Node ≥ 22.5 for node:sqlite; RAG_REPEATS=1 for a quick look).
// Prints recall@1, recall@5 and MRR@10 per set (and the customer set's recall@5 on its even- and odd-numbered
// questions apart, to see overfitting), and latency p50/p99 over both.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { tsImport } from 'tsx/esm/api';

const root = path.resolve(import.meta.dirname, '..');
const load = (file) => tsImport(path.join(root, file), import.meta.url);
const { chunkText, embeddingText } = await load('worker/knowledge/chunking.ts');
const { localEmbedder } = await load('worker/knowledge/embedder.ts');
const { exactTopK } = await load('worker/knowledge/vector-store.ts');
const { reciprocalRankFusion, aggregateByArticle, spreadOverArticles } = await load('worker/knowledge/fusion.ts');
const { composeAnswer, DONT_KNOW_REPLY, RELEVANCE_THRESHOLD } = await load('worker/ai/providers/builtin.ts');
const { ftsExpansionTerms, ftsMatch, ftsTerms, keywordSql, withExpansion } = await load(
  'worker/knowledge/keyword-search.ts',
);

const ORG = '0b5e1c9a-6f0e-4c56-9d7b-3a1f2e4d5c6b';
const GROUP = 'help-centre';
const CANDIDATES = 20; // what searchKnowledge asks each retriever for at the default limit of 5
const REPEATS = Number(process.env.RAG_REPEATS ?? 5);
const MIN_CHUNKS = 10_000;

// ── corpus ──────────────────────────────────────────────────────────────────────────────────────────────
export function docsCorpus() {
  const dir = path.join(import.meta.dirname, 'rag-corpus');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(dir, file), 'utf8');
      return { id: file, title: /^#\s+(.+)$/m.exec(text)?.[1] ?? file, text };
    });
}

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BRANDS = ['Halvard', 'Brisa', 'Norvik', 'Solvei', 'Kestrel', 'Ondra'];
const TYPES = [
  ['espresso machine', 'AX'],
  ['kettle', 'KT'],
  ['robot vacuum', 'RB'],
  ['toaster', 'TM'],
  ['blender', 'BL'],
  ['air fryer', 'AF'],
  ['heater', 'HM'],
  ['coffee grinder', 'CM'],
  ['lamp', 'LP'],
  ['humidifier', 'HU'],
  ['rice cooker', 'RC'],
  ['stand mixer', 'SM'],
];
export const PRODUCTS = 680;
export const TOPICS = ['warranty', 'cleaning', 'troubleshooting', 'shipping', 'setup'];

function productName(i) {
  const [type, code] = TYPES[i % TYPES.length];
  return `${BRANDS[i % BRANDS.length]} ${code}-${1000 + i} ${type}`;
}

// Boilerplate shared by many articles, as in real help centres: near-duplicates that retrieval must see past.
const FILLER = [
  'Our support team answers messages in the inbox within one business day.',
  'You can reach an agent through the website chat widget, by email or on WhatsApp.',
  'Keep your receipt or order confirmation, because we ask for the order number.',
  'Register your product in your account to receive firmware and safety notices.',
  'Notifications about your order are sent by email and as push messages in the app.',
  'If a part is missing from the box, contact us before you start using the appliance.',
  'Refunds are paid to the original payment method once the return has been inspected.',
  'Spare parts are available for at least seven years after the model leaves our catalogue.',
  'Do not use abrasive sponges, bleach or solvents on any surface of the appliance.',
  'For safety, unplug the appliance and let it cool down before handling it.',
  'Our AI assistant can answer most questions, and a human takes over when needed.',
  'Business customers can request an invoice from the orders page of their account.',
];

function generatedArticle(i, topic, rnd) {
  const name = productName(i);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const filler = (n) => Array.from({ length: n }, () => pick(FILLER)).join(' ');
  const years = 2 + (i % 4);
  const code = `E${1 + (i % 9)}`;
  const days = 3 + (i % 5);
  const price = (4 + (i % 7) + 0.9).toFixed(2);
  const weeks = 2 + (i % 6);
  const sections = {
    warranty: [
      ['Warranty', `The ${name} comes with a ${years} year limited warranty from the date of purchase. ${filler(3)}`],
      [
        'What is covered',
        `The warranty of the ${name} covers manufacturing defects of the motor, the housing and the electronics. Accidental damage, drops and limescale are not covered. ${filler(4)}`,
      ],
      [
        'Making a warranty claim',
        `To claim, send the serial number of your ${name} and a photo of the fault. We repair or replace the unit within ${days} working days. ${filler(4)}`,
      ],
    ],
    cleaning: [
      ['Cleaning', `Clean the ${name} after every ${weeks} weeks of regular use. ${filler(3)}`],
      [
        'Daily care',
        `Wipe the outside of the ${name} with a damp cloth. Empty and rinse removable parts after use. ${filler(4)}`,
      ],
      [
        'Descaling and filters',
        `Descale the ${name} with a citric acid solution every ${weeks} weeks in hard water areas, and rinse the filter under running water. Replace the filter every ${weeks * 3} weeks. ${filler(4)}`,
      ],
    ],
    troubleshooting: [
      ['Troubleshooting', `Most problems with the ${name} are solved by restarting it. ${filler(3)}`],
      [
        'Error codes',
        `Error ${code} on the ${name} means the temperature sensor reports an out-of-range value: unplug the appliance for ${days * 10} seconds and plug it in again. If ${code} comes back, contact support. ${filler(3)}`,
      ],
      [
        'It will not turn on',
        `If the ${name} does not turn on, check the socket with another device, check the fuse in the plug and make sure the safety lid is closed. ${filler(4)}`,
      ],
    ],
    shipping: [
      ['Shipping', `The ${name} ships from our warehouse in ${days} business days. ${filler(3)}`],
      [
        'Shipping costs',
        `Standard shipping for the ${name} costs ${price} EUR; express delivery costs ${(Number(price) + 6).toFixed(2)} EUR and arrives the next business day. Orders above 80 EUR ship free. ${filler(3)}`,
      ],
      [
        'Delivery times and tracking',
        `Delivery of the ${name} takes ${days} to ${days + 3} days within the EU. A tracking link is emailed when the parcel leaves the warehouse. ${filler(4)}`,
      ],
    ],
    setup: [
      ['Setup', `Unpack the ${name} and remove all protective film before first use. ${filler(3)}`],
      [
        'First use',
        `Before the first use, run the ${name} once empty for ${days} minutes to burn off manufacturing residue. A faint smell is normal. ${filler(4)}`,
      ],
      [
        'Connecting to the app',
        `The ${name} connects to the HelpStack Home app over Wi-Fi 2.4 GHz. Hold the power button for ${days} seconds until the light blinks blue, then follow the app. ${filler(4)}`,
      ],
    ],
  }[topic];
  const text = sections.map(([heading, body], s) => `${s === 0 ? '#' : '##'} ${heading}\n${body}`).join('\n\n');
  return { id: `gen/${i}/${topic}`, title: `${name}: ${topic}`, text };
}

export function generatedCorpus() {
  const rnd = mulberry32(20261117);
  const articles = [];
  for (let i = 0; i < PRODUCTS; i++) for (const topic of TOPICS) articles.push(generatedArticle(i, topic, rnd));
  return articles;
}

// ── index ───────────────────────────────────────────────────────────────────────────────────────────────
async function buildIndex(articles) {
  const db = new DatabaseSync(':memory:');
  // The columns of the production tables that the FTS triggers and the keyword query read.
  db.exec(`
    CREATE TABLE knowledge_articles (id TEXT PRIMARY KEY, organization_id TEXT, group_id TEXT, title TEXT, status TEXT);
    CREATE TABLE knowledge_chunks (id TEXT PRIMARY KEY, organization_id TEXT, article_id TEXT, group_id TEXT,
      position INTEGER, heading TEXT, text TEXT);`);
  db.exec(readFileSync(path.join(root, 'migrations/0002_knowledge_search.sql'), 'utf8'));
  const insertArticle = db.prepare('INSERT INTO knowledge_articles VALUES (?, ?, ?, ?, ?)');
  const insertChunk = db.prepare('INSERT INTO knowledge_chunks VALUES (?, ?, ?, ?, ?, ?, ?)');
  const chunks = [];
  let started = performance.now();
  db.exec('BEGIN');
  for (const article of articles) {
    insertArticle.run(article.id, ORG, GROUP, article.title, 'READY');
    for (const chunk of chunkText(article.text)) {
      const id = `${article.id}#${chunk.position}`;
      insertChunk.run(id, ORG, article.id, GROUP, chunk.position, chunk.heading, chunk.text);
      chunks.push({
        id,
        articleId: article.id,
        title: article.title,
        heading: chunk.heading,
        text: chunk.text,
        embedText: embeddingText(article.title, chunk),
      });
    }
  }
  db.exec('COMMIT');
  const chunkAndFtsMs = performance.now() - started;
  started = performance.now();
  const vectors = await localEmbedder.embed(chunks.map((c) => c.embedText));
  const embedMs = performance.now() - started;
  const candidates = chunks.map((c, i) => ({ id: c.id, vector: vectors[i] }));
  const articleOf = new Map(chunks.map((c) => [c.id, c.articleId]));
  return { db, chunks, candidates, articleOf, chunkAndFtsMs, embedMs };
}

// ── retrieval: the steps of worker/knowledge/search.ts one by one, then the whole of it ─────────────────────
function retrievers(index) {
  const statement = index.db.prepare(keywordSql(1));
  const fts = (terms) =>
    terms
      ? statement.all(ftsMatch(ORG, terms), ORG, GROUP, CANDIDATES).map((r) => ({ chunkId: r.chunkId, score: -r.rank }))
      : [];
  const ids = (list) => list.map((m) => m.chunkId ?? m.id);
  const keyword = (query) => fts(ftsTerms(query));
  // keywordSearch: exact terms plus EXPANSION_WEIGHT of the lexicon-expanded query's BM25.
  const keywordWordnet = (query) => withExpansion(keyword(query), fts(ftsExpansionTerms(query)), CANDIDATES);
  const vector = async (query) => {
    const [q] = await localEmbedder.embed([query]);
    return exactTopK(q, index.candidates, CANDIDATES).filter((m) => m.score >= localEmbedder.minSimilarity);
  };
  // Article aggregation within one retriever's own scores (BM25, cosine), as searchKnowledge does before fusing.
  const byArticle = (list) => aggregateByArticle(list, (m) => index.articleOf.get(m.chunkId));
  return {
    keyword: async (q) => ids(keyword(q)),
    vector: async (q) => ids(await vector(q)),
    fused: async (q) => ids(reciprocalRankFusion([ids(keyword(q)), ids(await vector(q))])),
    'keyword+wordnet': async (q) => ids(keywordWordnet(q)),
    'keyword+article': async (q) => ids(byArticle(keyword(q))),
    'keyword+wordnet+article': async (q) => ids(byArticle(keywordWordnet(q))),
    'fused+wordnet+article': async (q) =>
      ids(reciprocalRankFusion([ids(byArticle(keywordWordnet(q))), ids(byArticle(await vector(q)))])),
    // searchKnowledge with the local embedder at its default limit: its fusionWeight (0) leaves the vector ranking
    // out, and the 5 passages it returns take each article's best section first.
    search: async (q) =>
      spreadOverArticles(
        ids(
          reciprocalRankFusion(
            [ids(byArticle(keywordWordnet(q))), localEmbedder.fusionWeight > 0 ? ids(byArticle(await vector(q))) : []],
            undefined,
            [1, localEmbedder.fusionWeight],
          ),
        ),
        (id) => index.articleOf.get(id),
      ).slice(0, 5),
  };
}

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const SETS = [
  { name: 'original', file: 'rag-qa.json', min: 50 },
  { name: 'customer', file: 'rag-qa-customer.json', min: 80 },
];

export function loadSets(ids, byId) {
  return SETS.map((set) => {
    const { questions } = JSON.parse(readFileSync(path.join(import.meta.dirname, set.file), 'utf8'));
    if (questions.length < set.min)
      throw new Error(`${set.file} has ${questions.length} questions; at least ${set.min} are required`);
    for (const q of questions) {
      for (const id of [q.article, ...(q.also ?? [])]) {
        if (!ids.has(id))
          throw new Error(`${set.file}: expected article "${id}" is not in the corpus ("${q.question}")`);
      }
      if (q.answer && !byId.get(q.article).text.includes(q.answer)) {
        throw new Error(`${set.file}: "${q.answer}" is not in ${q.article} ("${q.question}")`);
      }
    }
    return { ...set, questions };
  });
}

/** recall@1, recall@5 and MRR@10 of one retriever on one question set, with every query's latency. */
async function evaluate(retrieve, questions, articleOf) {
  const latencies = [];
  let top1 = 0;
  let top5 = 0;
  let reciprocal = 0;
  const misses = [];
  const top5Hits = [];
  for (const q of questions) {
    const expected = new Set([q.article, ...(q.also ?? [])]);
    let ranked = [];
    for (let r = 0; r < REPEATS; r++) {
      const t = performance.now();
      ranked = await retrieve(q.question);
      latencies.push(performance.now() - t);
    }
    const articlesRanked = [...new Set(ranked.map((id) => articleOf.get(id)))];
    const rank = articlesRanked.findIndex((a) => expected.has(a));
    if (rank === 0) top1++;
    top5Hits.push(rank >= 0 && rank < 5);
    if (rank >= 0 && rank < 5) top5++;
    else misses.push(q.question);
    if (rank >= 0 && rank < 10) reciprocal += 1 / (rank + 1);
  }
  const n = questions.length;
  // recall@5 on the even- and the odd-numbered questions apart: a change tuned on one half shows on the other.
  const half = (parity) => {
    const hits = top5Hits.filter((_, i) => i % 2 === parity);
    return hits.filter(Boolean).length / hits.length;
  };
  return { recall1: top1 / n, recall5: top5 / n, mrr: reciprocal / n, halves: [half(0), half(1)], latencies, misses };
}

const THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7];

/**
 * The built-in provider on searchKnowledge's top 5 passages, per relevance threshold: how often it answers citing
 * an expected article first, cites a wrong one, or hands off ("don't know").
 */
async function builtinAnswers(index, sets, search) {
  const chunkById = new Map(index.chunks.map((c) => [c.id, c]));
  const rows = [];
  for (const threshold of THRESHOLDS) {
    const row = { threshold: threshold === RELEVANCE_THRESHOLD ? `${threshold} (used)` : String(threshold) };
    for (const set of sets) {
      let right = 0;
      let wrong = 0;
      let handoff = 0;
      for (const q of set.questions) {
        const expected = new Set([q.article, ...(q.also ?? [])]);
        const passages = (await search(q.question)).slice(0, 5).map((id, i) => {
          const c = chunkById.get(id);
          return { articleId: c.articleId, title: c.title, heading: c.heading, text: c.text, score: 1 / (i + 1) };
        });
        const { text, citations } = composeAnswer(q.question, passages, threshold);
        if (text === DONT_KNOW_REPLY) handoff++;
        else if (expected.has(citations[0]?.articleId)) right++;
        else wrong++;
      }
      const n = set.questions.length;
      row[`${set.name} right`] = (right / n).toFixed(3);
      row[`${set.name} wrong`] = (wrong / n).toFixed(3);
      row[`${set.name} hand-off`] = (handoff / n).toFixed(3);
    }
    rows.push(row);
  }
  console.log('\nbuilt-in answers from the top 5 passages of `search` (first citation expected = right):');
  console.table(rows);
}

async function main() {
  const total = performance.now();
  const articles = [...docsCorpus(), ...generatedCorpus()];
  const ids = new Set(articles.map((a) => a.id));
  const byId = new Map(articles.map((a) => [a.id, a]));
  const sets = loadSets(ids, byId);

  const index = await buildIndex(articles);
  if (index.chunks.length < MIN_CHUNKS) throw new Error(`only ${index.chunks.length} chunks; need ${MIN_CHUNKS}`);
  console.log(
    `corpus: ${articles.length} articles (${articles.length - PRODUCTS * TOPICS.length} docs + ${PRODUCTS * TOPICS.length} generated), ${index.chunks.length} chunks`,
  );
  console.log(
    `index: chunk + FTS5 insert ${(index.chunkAndFtsMs / 1000).toFixed(1)} s, local embeddings ${(index.embedMs / 1000).toFixed(1)} s (${localEmbedder.dimensions} dims)`,
  );
  console.log(
    `queries: ${sets.map((s) => `${s.questions.length} ${s.name}`).join(' + ')} questions × ${REPEATS} runs, top ${CANDIDATES} candidates per retriever\n`,
  );

  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const rows = [];
  const missed = [];
  for (const [mode, retrieve] of Object.entries(retrievers(index))) {
    if (only.length && !only.includes(mode)) continue;
    const row = { mode };
    const latencies = [];
    for (const set of sets) {
      const r = await evaluate(retrieve, set.questions, index.articleOf);
      row[`${set.name} R@1`] = r.recall1.toFixed(3);
      row[`${set.name} R@5`] = r.recall5.toFixed(3);
      row[`${set.name} MRR`] = r.mrr.toFixed(3);
      if (set.name === 'customer') row[`${set.name} R@5 even/odd`] = r.halves.map((h) => h.toFixed(3)).join('/');
      latencies.push(...r.latencies);
      if (r.misses.length)
        missed.push(`${mode} missed on ${set.name} (not in top 5): ${r.misses.map((m) => `"${m}"`).join(', ')}`);
    }
    latencies.sort((a, b) => a - b);
    row['p50 ms'] = percentile(latencies, 50).toFixed(2);
    row['p99 ms'] = percentile(latencies, 99).toFixed(2);
    rows.push(row);
  }
  console.table(rows);
  if (process.argv.includes('--misses')) for (const line of missed) console.log(line);
  if (!only.length || only.includes('search')) await builtinAnswers(index, sets, retrievers(index).search);
  console.log(`\ntotal ${((performance.now() - total) / 1000).toFixed(1)} s`);
}

// Run only when executed, not when bench/rag-worker.mjs imports the corpus and the question sets.
if (path.resolve(process.argv[1] ?? '') === import.meta.filename) await main();
