// bench/live-chat: 200 concurrent visitor sockets, each sending messages through its conversation actor,
// while an agent's dashboard socket listens on the org hub. Prints delivery latency p50/p99 (visitor send →
// ack, and visitor send → agent receives it), throughput at saturation and CPU per message (the workerd
// process's CPU time, follow-up work included, divided by the messages), then the same for three baselines
// measured in the same run, and the ratios:
// - a bare Durable Object echo;
// - a durable echo (writes each message to its SQLite before echoing, the least a chat that never loses a
//   message must do);
// - a limited echo: the durable echo behind the same two rate-limit checks (per visitor, per IP) every widget
//   message passes, the least a public chat endpoint must do (bench/echo/worker.ts).
// The chat's ack latency is also printed by position (each visitor's 1st message, 2nd, …): the 1st opens a
// conversation, and the 2nd arrives while those 200 intakes are being written (docs/live-chat-profile.md).
// Sizes: BENCH_VISITORS (200), BENCH_MESSAGES per visitor (5, at most 20: the widget's per-visitor limit a
// minute). BENCH_PROFILE=1 adds a second chat run under the inspector's CPU profiler and prints where the
// isolate's time went (docs/live-chat-profile.md).
// The demo channel answers new conversations with the built-in AI (auto-reply on), as in the first
// figures; BENCH_AUTO_REPLY=0 turns it off first, for live chat with agents only.
import { randomUUID } from 'node:crypto';
import {
  drive,
  HEADER,
  login,
  open,
  openVisitor,
  percentile,
  profile,
  row,
  startApp,
  startEcho,
  summarise,
  visitorAddress,
  waitFor,
} from './live/harness.mjs';

const VISITORS = Number(process.env.BENCH_VISITORS ?? 200);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5);
const PROFILE = process.env.BENCH_PROFILE === '1';
if (MESSAGES > 20) throw new Error('BENCH_MESSAGES must be at most 20: the widget refuses a 21st message a minute');
const persist = '.wrangler/bench-live-chat';

console.log('starting the app (port 8790) and the echo baselines (port 8791)…');
const app = await startApp({ port: 8790, inspectorPort: 9390, persist });
const echo = await startEcho({ port: 8791, inspectorPort: 9391, persist });
const { cookie, channelId } = await login(app.origin);
const AUTO_REPLY = process.env.BENCH_AUTO_REPLY !== '0';
if (!AUTO_REPLY) {
  const res = await fetch(`${app.origin}/api/channels/${channelId}`, {
    method: 'PATCH',
    headers: { cookie, origin: app.origin, 'content-type': 'application/json' },
    body: JSON.stringify({ autoReply: false }),
  });
  if (!res.ok) throw new Error(`could not turn auto-reply off: ${res.status} ${await res.text()}`);
}

// The agent listens on the org hub and timestamps every visitor message it sees.
const agent = await open(`${app.origin.replace('http', 'ws')}/api/live`, { cookie, origin: app.origin });
const sentAt = new Map();
const agentLatencies = [];
agent.on('message', (data) => {
  const parsed = JSON.parse(data.toString());
  // A busy hub batches frames (docs/realtime-protocol.md).
  for (const frame of parsed.type === 'batch' ? parsed.frames : [parsed]) {
    const content = frame.message?.content;
    if (frame.type === 'message.created' && sentAt.has(content)) {
      agentLatencies.push(performance.now() - sentAt.get(content));
      sentAt.delete(content);
    }
  }
});

const chatSend = (ws, id) => {
  sentAt.set(`bench ${id}`, performance.now());
  ws.send(JSON.stringify({ type: 'message', clientMessageId: id, content: `bench ${id}` }));
};
const chatAck = (ws, id) => waitFor(ws, (text) => text.includes('"ack"') && text.includes(id));
const visitors = () => Promise.all(Array.from({ length: VISITORS }, (_, i) => openVisitor(app.origin, channelId, i)));

const chat = await drive(await visitors(), MESSAGES, chatSend, chatAck, app.pid);
// The ack does not wait for D1 or the hub: let the agent's dashboard receive the tail (at most 60 s).
for (let waited = 0; agentLatencies.length < VISITORS * MESSAGES && waited < 60_000; waited += 250) {
  await new Promise((r) => setTimeout(r, 250));
}
const seen = agentLatencies.length;

const echoRun = async (kind) => {
  const sockets = await Promise.all(
    Array.from({ length: VISITORS }, (_, i) =>
      open(`${echo.origin}/?kind=${kind}&id=visitor-${i}-${randomUUID()}&ip=${visitorAddress(i)}`),
    ),
  );
  const run = await drive(
    sockets,
    MESSAGES,
    (ws, id) => ws.send(id),
    (ws, id) => waitFor(ws, (text) => text === id),
    echo.pid,
  );
  for (const ws of sockets) ws.close();
  return run;
};
const bare = await echoRun('bare');
const durable = await echoRun('durable');
const limited = await echoRun('limited');

const total = VISITORS * MESSAGES;
console.log(
  `\n${VISITORS} visitor sockets × ${MESSAGES} messages = ${total} messages (AI auto-reply ${AUTO_REPLY ? 'on' : 'off'})`,
);
console.log(HEADER);
console.log(row('chat: visitor → ack', chat));
for (const [m, latencies] of chat.byPosition.entries()) {
  console.log(row(`  message ${m + 1} of each${m === 0 ? ' (new)' : ''}`, { latencies }));
}
console.log(row('chat: visitor → agent', { latencies: agentLatencies }), `(${seen}/${total} seen by the agent)`);
console.log(row('bare DO echo', bare));
console.log(row('durable DO echo', durable));
console.log(row('limited DO echo', limited));
const ratio = (base) =>
  `p50 ×${(percentile(chat.latencies, 50) / percentile(base.latencies, 50)).toFixed(1)}, p99 ×${(percentile(chat.latencies, 99) / percentile(base.latencies, 99)).toFixed(1)}, throughput ×${(chat.throughput / base.throughput).toFixed(2)}, CPU/message ×${(chat.cpuMs / base.cpuMs).toFixed(1)}`;
console.log(`chat / bare echo:     ${ratio(bare)}`);
console.log(`chat / durable echo:  ${ratio(durable)}`);
console.log(`chat / limited echo:  ${ratio(limited)}`);
const goal = (base, name) =>
  `p99 ≤ 2× ${name}'s: ${percentile(chat.latencies, 99) <= 2 * percentile(base.latencies, 99) ? 'met' : 'not met'}; throughput ≥ ½ ${name}'s: ${chat.throughput >= base.throughput / 2 ? 'met' : 'not met'}`;
console.log(`goal (issue #21) against the durable echo: ${goal(durable, 'durable echo')}`);
console.log(`          against the limited echo: ${goal(limited, 'limited echo')}`);

if (PROFILE) {
  // New visitors' sockets open before the profiler starts: the profile covers the messages only.
  const sockets = await visitors();
  const { profile: cpu } = await profile(app.inspectorPort, () => drive(sockets, MESSAGES, chatSend, chatAck, app.pid));
  const { sampled, entries } = summarise(cpu);
  const share = (ms) => `${((100 * ms) / sampled).toFixed(1)} %`.padStart(7);
  console.log(`\nCPU profile of the app isolate over a second chat run (${sampled.toFixed(0)} ms sampled)`);
  console.log('top self time:');
  for (const e of entries.slice(0, 30)) console.log(`${share(e.self)}  ${e.name}`);
  console.log('top inclusive time (the app bundle):');
  for (const e of [...entries]
    .filter((e) => / (worker\/|dev\.js)/.test(e.name))
    .sort((a, b) => b.total - a.total)
    .slice(0, 30))
    console.log(`${share(e.total)}  ${e.name}`);
}
agent.close();
process.exit(seen === total ? 0 : 1);
