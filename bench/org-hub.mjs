// bench/org-hub: one organisation's hub under load. 200 simulated conversation actors each publish 5
// message.created frames through the app's publishing path (worker/conversations/live.ts) to one org while
// 1, 10 and 50 dashboards listen (the real OrgHub class, in bench/hub's worker). Prints, per number of
// dashboards: the time until every dashboard had every frame, frames published per second, frames delivered
// per second, and the workerd CPU per published frame, against a bare Durable Object echo measured in the same
// run (bench/echo) for scale. Sizes: BENCH_CONVERSATIONS (200), BENCH_FRAMES per conversation (5),
// BENCH_DASHBOARDS (comma-separated, "1,10,50").
import { randomUUID } from 'node:crypto';
import { cpuSeconds, drive, open, row, settle, startBenchWorker, startEcho, waitFor } from './live/harness.mjs';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 200);
const FRAMES = Number(process.env.BENCH_FRAMES ?? 5);
const DASHBOARDS = (process.env.BENCH_DASHBOARDS ?? '1,10,50').split(',').map(Number);
const persist = '.wrangler/bench-org-hub';

console.log('starting the hub worker (port 8792) and the echo baseline (port 8793)…');
const hub = await startBenchWorker('hub', { port: 8792, inspectorPort: 9392, persist });
const echo = await startEcho({ port: 8793, inspectorPort: 9393, persist });

async function run(dashboards) {
  const org = `org-${randomUUID()}`;
  const total = CONVERSATIONS * FRAMES;
  const sockets = await Promise.all(
    Array.from({ length: dashboards }, (_, i) => open(`${hub.origin}/socket?org=${org}&user=user-${i}`)),
  );
  const delivered = sockets.map(
    (ws) =>
      new Promise((resolve) => {
        let seen = 0;
        ws.on('message', (data) => {
          const frame = JSON.parse(data.toString());
          // A busy hub batches frames (docs/realtime-protocol.md).
          for (const f of frame.type === 'batch' ? frame.frames : [frame]) {
            if (f.type === 'message.created' && ++seen === total) resolve(performance.now());
          }
        });
      }),
  );
  const cpu0 = cpuSeconds(hub.pid);
  const started = performance.now();
  const res = await fetch(`${hub.http}/publish?org=${org}&conversations=${CONVERSATIONS}&frames=${FRAMES}`);
  if (!res.ok) throw new Error(`publish failed: ${res.status} ${await res.text()}`);
  const published = performance.now();
  const last = Math.max(...(await Promise.all(delivered)));
  await settle(hub.pid);
  const cpu = cpuSeconds(hub.pid);
  if (cpu.pids !== cpu0.pids) throw new Error('workerd restarted during a measurement');
  for (const ws of sockets) ws.close();
  return {
    dashboards,
    seconds: (last - started) / 1000,
    publishSeconds: (published - started) / 1000,
    publishedPerSecond: total / ((last - started) / 1000),
    deliveredPerSecond: (total * dashboards) / ((last - started) / 1000),
    cpuMs: ((cpu.seconds - cpu0.seconds) * 1000) / total,
  };
}

const results = [];
for (const dashboards of DASHBOARDS) results.push(await run(dashboards));

const sockets = await Promise.all(
  Array.from({ length: CONVERSATIONS }, (_, i) => open(`${echo.origin}/?kind=bare&id=hub-${i}-${randomUUID()}`)),
);
const bare = await drive(
  sockets,
  FRAMES,
  (ws, id) => ws.send(id),
  (ws, id) => waitFor(ws, (text) => text === id),
  echo.pid,
);
for (const ws of sockets) ws.close();

console.log(`\none organisation, ${CONVERSATIONS} conversations × ${FRAMES} frames = ${CONVERSATIONS * FRAMES} frames`);
console.log('dashboards  all delivered  published/s  delivered/s  CPU/frame');
for (const r of results) {
  console.log(
    `${String(r.dashboards).padEnd(12)}${`${r.seconds.toFixed(2)} s`.padEnd(15)}${r.publishedPerSecond.toFixed(0).padEnd(13)}${r.deliveredPerSecond.toFixed(0).padEnd(13)}${r.cpuMs.toFixed(3)} ms`,
  );
}
console.log(`\nbaseline in the same run (${CONVERSATIONS} sockets × ${FRAMES} messages):`);
console.log(row('bare DO echo', bare));
for (const r of results) {
  console.log(
    `${r.dashboards} dashboard(s): hub publishes ×${(r.publishedPerSecond / bare.throughput).toFixed(2)} the echo's messages/s, CPU/frame ×${(r.cpuMs / bare.cpuMs).toFixed(2)} the echo's CPU/message`,
  );
}
process.exit(0);
