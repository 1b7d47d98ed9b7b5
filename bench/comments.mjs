// bench/comments: a burst of signed TikTok comment webhooks (BENCH_COMMENTS unique, default 5,000, plus 10 %
// replays of earlier deliveries, some racing the original) against BENCH_TRIGGERS active triggers (default 50:
// keyword triggers and a question-mark catch-all), through the real stack (wrangler dev, queue, D1) with a fake
// TikTok. Prints comments/s acknowledged, p50/p99 of comment → evaluated (queue wait + evaluation) and of the
// evaluation itself as the Worker times it, and checks exactly one DM per matching unique comment.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { startFakeTikTok } from './comments/fake-tiktok.mjs';

const COMMENTS = Number(process.env.BENCH_COMMENTS ?? 5000);
const TRIGGERS = Number(process.env.BENCH_TRIGGERS ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PORT = 8798;
const FAKE_PORT = 12150;
const app = `http://localhost:${PORT}`;
const persist = '.wrangler/bench-comments';
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
      appendFileSync(`${persist}.log`, chunk);
      if (output.includes(readyText)) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) =>
      reject(new Error(`${command} ${args.join(' ')} exited (${code}):\n${output.slice(-2000)}`)),
    );
    setTimeout(() => reject(new Error(`timed out starting ${args.join(' ')}`)), 300_000);
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

function query(sql) {
  const out = spawnSync(
    'npx',
    ['wrangler', 'd1', 'execute', 'DB', '--local', '--persist-to', persist, '--json', '--command', sql],
    {
      encoding: 'utf8',
    },
  );
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout)[0].results;
}

async function api(cookie, method, path, body) {
  const res = await fetch(`${app}${path}`, {
    method,
    headers: { 'content-type': 'application/json', origin: app, ...(cookie ? { cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
  });
  return res;
}

async function main() {
  rmSync(persist, { recursive: true, force: true });
  rmSync(`${persist}.log`, { force: true });
  const openId = `bench-biz-${randomUUID()}`;
  const videoId = `bench-video-${Date.now()}`;
  console.log('starting the Worker (npm run dev) …');
  await start(
    'node',
    ['scripts/dev.mjs'],
    { PORT: String(PORT), PERSIST_TO: persist, E2E_FAKE_TIKTOK_PORT: String(FAKE_PORT) },
    'HelpStack Edge is running',
  );
  const secret = devVar('TIKTOK_CLIENT_SECRET');
  const live = await startFakeTikTok({
    port: FAKE_PORT,
    clientKey: 'local-tiktok-client-key',
    clientSecret: secret,
    account: {
      openId,
      displayName: '@bench',
      videos: [
        { item_id: videoId, create_time: Math.floor(Date.now() / 1000) - 3600, caption: 'Bench', is_live: false },
      ],
    },
  });

  // Enterprise plan (100,000 monthly active contacts): the contact cap, which would hold DMs to new contacts
  // (tested in worker/automations/automations.test.ts), stays out of this measurement.
  query(
    "UPDATE organizations SET plan = 'ENTERPRISE' WHERE id IN (SELECT organization_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'owner@demo.helpstack.local')",
  );

  // The owner connects TikTok through the OAuth dance, as a browser would.
  const login = await api(null, 'POST', '/api/auth/login', {
    email: 'owner@demo.helpstack.local',
    password: 'helpstack-demo',
  });
  const cookie = login.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`login failed: ${login.status}`);
  const connect = await (await api(cookie, 'POST', '/api/integrations/tiktok/connect', {})).json();
  const page = await fetch(connect.data.authorizeUrl, { redirect: 'manual' });
  const back = new URL(page.headers.get('location'));
  const callback = await api(cookie, 'GET', `${back.pathname}${back.search}`);
  if (!callback.headers.get('location')?.includes('connected=tiktok'))
    throw new Error(`connect failed: ${callback.headers.get('location')}`);

  // TRIGGERS active triggers: keyword ones (word0 … wordN) and a question-mark catch-all at the bottom.
  const words = Array.from({ length: TRIGGERS - 1 }, (_, i) => `deal${String(i).padStart(2, '0')}x`);
  for (const [i, word] of words.entries()) {
    const res = await api(cookie, 'POST', '/api/automations/triggers', {
      name: `Keyword ${i}`,
      status: 'ACTIVE',
      match: { groups: [[{ type: 'KEYWORD', keywords: [word, `${word}-alt`] }]] },
      action: { kind: 'MESSAGE', text: `Here is deal ${i}` },
    });
    if (res.status !== 201) throw new Error(`trigger create failed: ${res.status} ${await res.text()}`);
  }
  await api(cookie, 'POST', '/api/automations/triggers', {
    name: 'Questions',
    status: 'ACTIVE',
    match: { groups: [[{ type: 'QUESTION' }]] },
    action: { kind: 'MESSAGE', text: 'Good question! Here is our FAQ.' },
  });

  // Unique comments by unique commenters (the 24 h throttle is per commenter × trigger, so each matching comment
  // owes exactly one DM); ~60 % match a trigger. 10 % of the deliveries are replays.
  const sign = (raw) => {
    const t = Math.floor(Date.now() / 1000);
    return `t=${t},s=${createHmac('sha256', secret).update(`${t}.${raw}`).digest('hex')}`;
  };
  const comments = Array.from({ length: COMMENTS }, (_, i) => {
    const kind = i % 10;
    const text =
      kind < 5
        ? `love it ${words[i % words.length].toUpperCase()} pls 😍`
        : kind === 5
          ? 'does it come in pink? 🙏'
          : 'so pretty 😍';
    const commentId = `bench-c-${i}-${randomUUID()}`;
    const raw = JSON.stringify({
      client_key: 'local-tiktok-client-key',
      event: 'comment.create',
      create_time: Math.floor(Date.now() / 1000),
      user_openid: openId,
      content: JSON.stringify({
        comment_id: commentId,
        video_id: videoId,
        text,
        create_time: Math.floor(Date.now() / 1000),
        user: { open_id: `bench-u-${i}`, display_name: `Viewer ${i}` },
      }),
    });
    return { commentId, raw, matches: kind <= 5 };
  });
  const plan = [];
  for (const [i, comment] of comments.entries()) {
    plan.push(comment);
    if (i % 10 === 9) plan.push(i % 20 === 19 ? comment : comments[Math.floor(Math.random() * i)]);
  }

  const acks = [];
  const statuses = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < plan.length) {
        const item = plan[next++];
        const t0 = performance.now();
        let res;
        for (let attempt = 1; ; attempt++) {
          try {
            res = await fetch(`${app}/api/webhooks/tiktok`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'tiktok-signature': sign(item.raw) },
              body: item.raw,
            });
            await res.arrayBuffer();
            if (res.status < 500) break;
          } catch (error) {
            if (attempt >= 30) throw error;
          }
          await new Promise((r) => setTimeout(r, 1000));
        }
        acks.push(performance.now() - t0);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${plan.length} deliveries (${COMMENTS} unique) in ${seconds.toFixed(1)} s: ${(plan.length / seconds).toFixed(0)} comments/s acknowledged; statuses ${JSON.stringify(statuses)}`,
  );
  console.log(`ack p50 ${percentile(acks, 50).toFixed(1)} ms, p99 ${percentile(acks, 99).toFixed(1)} ms`);

  // Comments are evaluated right after each answer; one whose evaluation was lost (wrangler dev restarts when
  // files in the tree change) is sent to the queue by the cron's sweep, which `wrangler dev` does not run by
  // itself: trigger it every 30 s. Wait until every comment is evaluated (or nothing moves for 5 minutes).
  let last = -1;
  let still = 0;
  for (;;) {
    const [{ pending, total }] = query(
      "SELECT sum(status = 'PENDING') AS pending, count(*) AS total FROM automation_comments",
    );
    if (total === COMMENTS && pending === 0) break;
    if (pending === last) still++;
    else still = 0;
    last = pending;
    if (still >= 60) throw new Error(`evaluation stalled: ${pending} of ${total} comments pending`);
    if (pending && still % 6 === 5) await fetch(`${app}/cdn-cgi/local/scheduled`).catch(() => {});
    await new Promise((r) => setTimeout(r, 5000));
  }
  const evaluatedSeconds = (performance.now() - started) / 1000;
  const rows = query('SELECT evaluated_at - received_at AS ms FROM automation_comments');
  const latency = rows.map((r) => r.ms);
  const expected = comments.filter((c) => c.matches).length;
  const byStatus = query(
    'SELECT dm_status AS status, dm_detail AS detail, count(*) AS n FROM automation_dms GROUP BY 1, 2',
  );
  const claimed = byStatus.reduce((sum, r) => sum + r.n, 0);
  const [{ messages }] = query("SELECT count(*) AS messages FROM messages WHERE external_id LIKE 'comment:%'");
  const reloads = (readFileSync(`${persist}.log`, 'utf8').match(/Reloading local server/g) ?? []).length;
  // Every matching comment claims exactly one DM and posts one outbound message; no other comment does; TikTok
  // never receives a second private reply for a comment.
  const extra = comments.filter((c) => !c.matches && live.state.dms.has(c.commentId)).length;
  console.log(
    `all ${COMMENTS} comments evaluated after ${evaluatedSeconds.toFixed(1)} s: ${(COMMENTS / evaluatedSeconds).toFixed(0)} comments/s end to end`,
  );
  console.log(
    `comment → evaluated (evaluation after the answer, retries included): p50 ${percentile(latency, 50)} ms, p99 ${percentile(latency, 99)} ms`,
  );
  console.log(
    `matching unique comments ${expected}: DM claims ${claimed}, outbound DM messages ${messages}, delivered to the fake TikTok ${live.state.dms.size}; DMs for non-matching comments ${extra}; second DM attempts ${live.state.duplicateDmAttempts}`,
  );
  for (const row of byStatus)
    console.log(`  ${row.status}: ${row.n}${row.status === 'SENT' ? '' : ` (${row.detail})`}`);
  if (reloads)
    console.log(
      `  (wrangler dev reloaded ${reloads} time(s) during the run because files in the tree changed; sends cut by a reload are FAILED with the reason)`,
    );
  const okRun =
    claimed === expected &&
    messages === expected &&
    extra === 0 &&
    live.state.duplicateDmAttempts === 0 &&
    live.state.dms.size <= expected;
  console.log(okRun ? 'OK: exactly one DM per matching unique comment' : 'FAIL: DM count does not match');
  live.server.close();
  process.exit(okRun ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
