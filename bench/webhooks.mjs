// bench/webhooks: signed Meta (WhatsApp) deliveries posted to the Worker as fast as the machine allows, with
// 5 % duplicates (replays of earlier deliveries, some concurrent) and 1 % bad signatures. Prints events/s,
// p50/p99 acknowledgement time, and the messages stored against the unique valid events (they must be equal:
// 0 lost, 0 duplicated, 0 bad ones stored). Sizes: BENCH_EVENTS (3000 unique valid), BENCH_CONTACTS (200),
// BENCH_CONCURRENCY (32).
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 3000);
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PORT = 8792;
const app = `http://localhost:${PORT}`;
const persist = '.wrangler/bench-webhooks';
const children = [];
process.on('exit', () => {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
  }
});

function start(command, args, env, readyText) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      // The Worker's own log, for when something goes wrong mid-run.
      appendFileSync(`${persist}.log`, chunk);
      if (output.includes(readyText)) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) =>
      reject(new Error(`${command} ${args.join(' ')} exited (${code}):\n${output.slice(-2000)}`)),
    );
    setTimeout(() => reject(new Error(`timed out starting ${args.join(' ')}`)), 240_000);
  });
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

function devVar(name) {
  const match = new RegExp(`^${name}=(.*)$`, 'm').exec(readFileSync('.dev.vars', 'utf8'));
  if (!match) throw new Error(`${name} is not in .dev.vars`);
  return match[1].trim();
}

async function setup() {
  const login = await fetch(`${app}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app },
    body: JSON.stringify({ email: 'owner@demo.helpstack.local', password: 'helpstack-demo' }),
  });
  const cookie = login.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`login failed: ${login.status}`);
  const phoneNumberId = `${Date.now()}`;
  const res = await fetch(`${app}/api/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app, cookie },
    body: JSON.stringify({
      type: 'WHATSAPP',
      name: `Bench WhatsApp ${phoneNumberId}`,
      autoTranslate: false,
      credentials: { phoneNumberId, accessToken: 'bench-token' },
    }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`channel create failed: ${res.status} ${JSON.stringify(body)}`);
  return { channelId: body.data.id, phoneNumberId };
}

function delivery(phoneNumberId, contact, messageId, text) {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'bench-waba',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550000000', phone_number_id: phoneNumberId },
              contacts: [{ profile: { name: `Bench ${contact}` }, wa_id: contact }],
              messages: [
                {
                  from: contact,
                  id: messageId,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: 'text',
                  text: { body: text },
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

function sign(secret, raw) {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

async function main() {
  rmSync(persist, { recursive: true, force: true });
  rmSync(`${persist}.log`, { force: true });
  console.log('starting the Worker (npm run dev) …');
  await start('node', ['scripts/dev.mjs'], { PORT: String(PORT), PERSIST_TO: persist }, 'HelpStack Edge is running');
  const secret = devVar('FACEBOOK_APP_SECRET');
  const { channelId, phoneNumberId } = await setup();

  // The plan: EVENTS unique valid deliveries, 5 % of that again as replays of earlier ones (half of them sent
  // right next to the original, so they race it), and 1 % with a bad signature.
  const valid = Array.from({ length: EVENTS }, (_, i) => {
    const contact = `4917${String(i % CONTACTS).padStart(8, '0')}`;
    const raw = delivery(phoneNumberId, contact, `wamid.bench.${randomUUID()}`, `Question ${i}`);
    return { raw, signature: sign(secret, raw), kind: 'valid' };
  });
  const plan = [];
  const duplicates = Math.round(EVENTS * 0.05);
  const bad = Math.round(EVENTS * 0.01);
  const duplicateAt = new Set(
    Array.from({ length: duplicates }, (_, i) => Math.floor(((i + 0.5) * EVENTS) / duplicates)),
  );
  const badAt = new Set(Array.from({ length: bad }, (_, i) => Math.floor(((i + 0.25) * EVENTS) / bad)));
  for (const [i, event] of valid.entries()) {
    plan.push(event);
    if (duplicateAt.has(i)) {
      const original = i % 2 === 0 ? event : valid[Math.floor(Math.random() * (i + 1))];
      plan.push({ ...original, kind: 'duplicate' });
    }
    if (badAt.has(i)) {
      const raw = delivery(phoneNumberId, '4999000000000', `wamid.bad.${randomUUID()}`, `BAD ${i}`);
      // Signed with the wrong secret, or one byte changed after signing.
      const signature = i % 2 ? sign(`${secret}x`, raw) : sign(secret, raw.replace('BAD', 'BAE'));
      plan.push({ raw, signature, kind: 'bad' });
    }
  }

  // The floor on this machine: signed deliveries for a phone number no channel has (verified, parsed and
  // acknowledged, nothing written), measured the same way before the real run.
  const floorLatencies = [];
  const floorCount = Math.min(1000, EVENTS);
  const floorStarted = performance.now();
  let floorNext = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (floorNext < floorCount) {
        floorNext++;
        const raw = delivery('0000000000', '4917000000000', `wamid.floor.${randomUUID()}`, 'floor');
        const t0 = performance.now();
        const res = await fetch(`${app}/api/webhooks/whatsapp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(secret, raw) },
          body: raw,
        }).catch(() => null);
        await res?.arrayBuffer();
        floorLatencies.push(performance.now() - t0);
      }
    }),
  );
  const floorSeconds = (performance.now() - floorStarted) / 1000;

  const latencies = [];
  const statuses = { valid: {}, duplicate: {}, bad: {} };
  let next = 0;
  let retried = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < plan.length) {
        const event = plan[next++];
        const t0 = performance.now();
        let res;
        // Like Meta, retry a delivery the server did not answer (wrangler dev restarts when files in the tree
        // change, dropping open connections); the retry is a replay the dedupe must absorb.
        for (let attempt = 1; ; attempt++) {
          try {
            res = await fetch(`${app}/api/webhooks/whatsapp`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-hub-signature-256': event.signature },
              body: event.raw,
            });
            await res.arrayBuffer();
            if (res.status < 500) break;
          } catch (error) {
            if (attempt >= 30) throw error;
          }
          retried++;
          await new Promise((r) => setTimeout(r, 1000));
        }
        if (event.kind !== 'bad') latencies.push(performance.now() - t0);
        statuses[event.kind][res.status] = (statuses[event.kind][res.status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  const query = (sql) => {
    const out = spawnSync(
      'npx',
      ['wrangler', 'd1', 'execute', 'DB', '--local', '--persist-to', persist, '--json', '--command', sql],
      { encoding: 'utf8' },
    );
    if (out.status !== 0) throw new Error(out.stderr);
    return JSON.parse(out.stdout)[0].results[0];
  };
  const storedSql = `SELECT count(*) AS n, count(DISTINCT m.content) AS distinctContent FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.channel_id = '${channelId}' AND m.direction = 'INBOUND'`;
  // Acknowledged events reach the pipeline through the queue: wait until it has drained (or stalls for 200 s).
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const { n } = query(storedSql);
    if (n !== last) lastChange = performance.now();
    last = n;
    if (n >= EVENTS || performance.now() - lastChange > 200_000) break;
    // The minute cron re-enqueues accepted batches whose job was lost (wrangler dev reloads when files in the
    // shared tree change, and a reload forgets the local queue): trigger it as production's cron would.
    await fetch(`${app}/cdn-cgi/handler/scheduled`).catch(() => {});
    await new Promise((r) => setTimeout(r, 5000));
  }
  const drained = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 3000));
  for (const child of children) process.kill(-child.pid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  const stored = query(storedSql);
  const badStored = query(`SELECT count(*) AS n FROM messages WHERE content LIKE 'BA_ %'`);

  console.log(
    `posted ${plan.length} deliveries (${EVENTS} unique valid, ${plan.length - EVENTS - bad} duplicates, ${bad} bad signatures), concurrency ${CONCURRENCY}`,
  );
  console.log(`deliveries retried after a dropped connection or a 5xx: ${retried}`);
  console.log(
    `answers: valid ${JSON.stringify(statuses.valid)}, duplicate ${JSON.stringify(statuses.duplicate)}, bad ${JSON.stringify(statuses.bad)}`,
  );
  console.log(
    `throughput: ${((plan.length - bad) / seconds).toFixed(0)} signed events/s accepted (${(plan.length / seconds).toFixed(0)} requests/s) over ${seconds.toFixed(1)} s`,
  );
  console.log(
    `acknowledgement: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
  );
  console.log(
    `floor (signed deliveries for an unknown number: verify + parse + 200, no writes): ${(floorCount / floorSeconds).toFixed(0)}/s, p50 ${percentile(floorLatencies, 50).toFixed(1)} ms, p99 ${percentile(floorLatencies, 99).toFixed(1)} ms`,
  );
  console.log(`pipeline: every accepted event stored ${drained.toFixed(1)} s after the first post (queue drain)`);
  console.log(
    `messages stored ${stored.n} (distinct ${stored.distinctContent}) vs unique valid events ${EVENTS}; bad ones stored: ${badStored.n}`,
  );
  const lost = EVENTS - stored.distinctContent;
  const duplicated = stored.n - stored.distinctContent;
  console.log(`lost ${lost}, duplicated ${duplicated}, bad stored ${badStored.n}`);
  if (lost || duplicated || badStored.n || statuses.bad[401] !== bad) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
