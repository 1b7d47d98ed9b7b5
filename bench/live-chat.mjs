// bench/live-chat: 200 concurrent visitor sockets, each sending messages through its conversation actor,
// while an agent's dashboard socket listens on the org hub. Prints delivery latency p50/p99 (visitor send →
// ack, and visitor send → agent receives it) and throughput, then the same for a bare Durable Object echo
// measured in the same run, and the ratios. Sizes: BENCH_VISITORS (200), BENCH_MESSAGES per visitor (5).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import WebSocket from 'ws';

const VISITORS = Number(process.env.BENCH_VISITORS ?? 200);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5);
const APP_PORT = 8790;
const ECHO_PORT = 8791;
const app = `http://localhost:${APP_PORT}`;
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
      if (output.includes(readyText)) resolve();
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
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const fmt = (ms) => `${ms.toFixed(1)} ms`;

function open(url, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function login() {
  const res = await fetch(`${app}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app },
    body: JSON.stringify({ email: 'owner@demo.helpstack.local', password: 'helpstack-demo' }),
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`login failed: ${res.status}`);
  const channels = await (await fetch(`${app}/api/channels`, { headers: { cookie } })).json();
  const channel = channels.data.find((c) => c.type === 'WEBSITE_CHAT');
  return { cookie, channelId: channel.id };
}

/** Runs VISITORS sockets concurrently, each sending MESSAGES messages one after another. */
async function drive(connect, send, waitForAck) {
  const sockets = await Promise.all(Array.from({ length: VISITORS }, (_, i) => connect(i)));
  const latencies = [];
  const started = performance.now();
  await Promise.all(
    sockets.map(async (socket, i) => {
      for (let m = 0; m < MESSAGES; m++) {
        const id = `${i}-${m}-${randomUUID()}`;
        const acked = waitForAck(socket, id);
        const t0 = performance.now();
        send(socket, id);
        await acked;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const socket of sockets) socket.close();
  return { latencies, throughput: latencies.length / seconds };
}

function waitFor(ws, predicate) {
  return new Promise((resolve) => {
    const onMessage = (data) => {
      const text = data.toString();
      if (predicate(text)) {
        ws.off('message', onMessage);
        resolve(text);
      }
    };
    ws.on('message', onMessage);
  });
}

const persist = '.wrangler/bench-live-chat';
rmSync(persist, { recursive: true, force: true });
console.log(`starting the app (port ${APP_PORT}) and the echo baseline (port ${ECHO_PORT})…`);
await Promise.all([
  start('node', ['scripts/dev.mjs'], { PORT: String(APP_PORT), PERSIST_TO: persist }, 'HelpStack Edge is running'),
  start(
    'npx',
    [
      'wrangler',
      'dev',
      '-c',
      'bench/echo/wrangler.toml',
      '--port',
      String(ECHO_PORT),
      '--persist-to',
      persist,
      '--show-interactive-dev-session=false',
    ],
    {},
    'Ready on',
  ),
]);
const { cookie, channelId } = await login();

// The agent listens on the org hub and timestamps every visitor message it sees.
const agent = await open(`ws://localhost:${APP_PORT}/api/live`, { cookie, origin: app });
const sentAt = new Map();
const agentLatencies = [];
agent.on('message', (data) => {
  const frame = JSON.parse(data.toString());
  const content = frame.message?.content;
  if (frame.type === 'message.created' && sentAt.has(content)) {
    agentLatencies.push(performance.now() - sentAt.get(content));
    sentAt.delete(content);
  }
});

const chat = await drive(
  async () => {
    const ws = await open(`ws://localhost:${APP_PORT}/api/widget/${channelId}/ws?visitorId=visitor_${randomUUID()}`, {
      origin: app,
    });
    await waitFor(ws, (text) => text.includes('"history"'));
    return ws;
  },
  (ws, id) => {
    sentAt.set(`bench ${id}`, performance.now());
    ws.send(JSON.stringify({ type: 'message', clientMessageId: id, content: `bench ${id}` }));
  },
  (ws, id) => waitFor(ws, (text) => text.includes('"ack"') && text.includes(id)),
);
await new Promise((r) => setTimeout(r, 2000)); // let the hub deliver the tail

const echo = await drive(
  (i) => open(`ws://localhost:${ECHO_PORT}/?id=visitor-${i}`, {}),
  (ws, id) => ws.send(id),
  (ws, id) => waitFor(ws, (text) => text === id),
);

const total = VISITORS * MESSAGES;
console.log(`\n${VISITORS} visitor sockets × ${MESSAGES} messages = ${total} messages`);
console.log('                          p50        p99        throughput');
console.log(
  `chat: visitor → ack      ${fmt(percentile(chat.latencies, 50)).padEnd(10)} ${fmt(percentile(chat.latencies, 99)).padEnd(10)} ${chat.throughput.toFixed(0)} msg/s`,
);
console.log(
  `chat: visitor → agent    ${fmt(percentile(agentLatencies, 50)).padEnd(10)} ${fmt(percentile(agentLatencies, 99)).padEnd(10)} (${agentLatencies.length}/${total} seen by the agent)`,
);
console.log(
  `bare DO echo round trip  ${fmt(percentile(echo.latencies, 50)).padEnd(10)} ${fmt(percentile(echo.latencies, 99)).padEnd(10)} ${echo.throughput.toFixed(0)} msg/s`,
);
console.log(
  `ratio chat/echo: p50 ×${(percentile(chat.latencies, 50) / percentile(echo.latencies, 50)).toFixed(1)}, p99 ×${(percentile(chat.latencies, 99) / percentile(echo.latencies, 99)).toFixed(1)}, throughput ×${(chat.throughput / echo.throughput).toFixed(2)}`,
);
agent.close();
process.exit(agentLatencies.length === total ? 0 : 1);
