// Shared by bench/live-chat and bench/org-hub: starts the app and the bench's workers under `wrangler dev`,
// measures the CPU time of their workerd processes, drives WebSockets, and takes CPU profiles over the
// inspector. Not a bench itself (bench/run.mjs runs only the .mjs files of bench/).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import WebSocket from 'ws';

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
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk) => {
      output += chunk;
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

/** The workerd processes under `root` (wrangler dev runs two: its proxy and the worker), found in /proc. */
function workerdsOf(root) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      parents.set(Number(entry), { ppid: Number(fields[1]), comm });
    } catch {}
  }
  const descends = (pid) => {
    for (let p = pid; p > 1; p = parents.get(p)?.ppid ?? 0) if (p === root) return true;
    return false;
  };
  const found = [...parents].filter(([pid, info]) => info.comm === 'workerd' && descends(pid)).map(([pid]) => pid);
  if (!found.length) throw new Error(`no workerd process under ${root}`);
  return found.sort((a, b) => a - b);
}

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;

/**
 * CPU seconds (user + system) the workerd processes under wrangler process `root` have used so far, with
 * their pids (looked up each time: wrangler may restart its workerd after starting).
 */
export function cpuSeconds(root) {
  const pids = workerdsOf(root);
  let seconds = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    seconds += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  }
  return { pids: pids.join(','), seconds };
}

/** CPU milliseconds `root`'s workerds spent since `from` (a cpuSeconds() reading); throws if one restarted. */
function cpuSince(root, from) {
  const now = cpuSeconds(root);
  if (now.pids !== from.pids) throw new Error('workerd restarted during a measurement');
  return (now.seconds - from.seconds) * 1000;
}

/** Waits until `root`'s workerd has been idle (under 2 % of a core for 500 ms), at most `maxMs`. */
export async function settle(pid, maxMs = 15_000) {
  const until = Date.now() + maxMs;
  let before = cpuSeconds(pid);
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    if (cpuSince(pid, before) < 10) return;
    before = cpuSeconds(pid);
  }
}

/** Starts the app (migrated and seeded) on `port`, with its inspector on `inspectorPort`. */
export async function startApp({ port, inspectorPort, persist }) {
  if (!existsSync('.dev.vars') || !existsSync('dist/public')) {
    throw new Error('Run `npm run dev` once first: the bench needs .dev.vars and the built dist/public');
  }
  rmSync(persist, { recursive: true, force: true });
  const migrate = spawnSync(
    'npx',
    ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist],
    {
      env: { ...process.env, CI: 'true' },
    },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stderr}`);
  const child = await start(
    'npx',
    [
      'wrangler',
      'dev',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      persist,
      '--show-interactive-dev-session=false',
    ],
    {},
    'Ready on',
  );
  const origin = `http://localhost:${port}`;
  const seeded = await (await fetch(`${origin}/api/dev/seed`, { method: 'POST' })).json();
  if (!seeded.success) throw new Error(`seeding failed: ${JSON.stringify(seeded)}`);
  return { origin, pid: child.pid, inspectorPort };
}

/** Starts one of the bench's own workers (bench/<name>/wrangler.toml) on `port`. */
export async function startBenchWorker(name, { port, inspectorPort, persist }) {
  const child = await start(
    'npx',
    [
      'wrangler',
      'dev',
      '-c',
      `bench/${name}/wrangler.toml`,
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      persist,
      '--show-interactive-dev-session=false',
    ],
    {},
    'Ready on',
  );
  return { origin: `ws://localhost:${port}`, http: `http://localhost:${port}`, pid: child.pid, inspectorPort };
}

/** Starts the echo baselines' worker (bench/echo) on `port`. */
export const startEcho = (options) => startBenchWorker('echo', options);

export async function login(origin) {
  const res = await fetch(`${origin}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ email: 'owner@demo.helpstack.local', password: 'helpstack-demo' }),
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`login failed: ${res.status}`);
  const channels = await (await fetch(`${origin}/api/channels`, { headers: { cookie } })).json();
  const channel = channels.data.find((c) => c.type === 'WEBSITE_CHAT');
  return { cookie, channelId: channel.id };
}

export function open(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export function waitFor(ws, predicate) {
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

/** A distinct client address per visitor: the widget's per-IP limits count visitors apart, as in production. */
export const visitorAddress = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** A widget visitor's socket, once its history arrived. */
export async function openVisitor(origin, channelId, i) {
  const ws = await open(
    `${origin.replace('http', 'ws')}/api/widget/${channelId}/ws?visitorId=visitor_${randomUUID()}`,
    {
      origin,
      'cf-connecting-ip': visitorAddress(i),
    },
  );
  await waitFor(ws, (text) => text.includes('"history"'));
  return ws;
}

/**
 * Sends `messages` messages on every socket at once, each socket one after another (next once acked), and
 * returns every message's send → ack latency, the same by position (`byPosition[0]`: each socket's first message),
 * the throughput, and the CPU the process `pid` spent per message.
 */
export async function drive(sockets, messages, send, waitForAck, pid) {
  const latencies = [];
  const byPosition = Array.from({ length: messages }, () => []);
  const cpu0 = cpuSeconds(pid);
  const started = performance.now();
  await Promise.all(
    sockets.map(async (socket, i) => {
      for (let m = 0; m < messages; m++) {
        const id = `${i}-${m}-${randomUUID()}`;
        const acked = waitForAck(socket, id);
        const t0 = performance.now();
        send(socket, id);
        await acked;
        const latency = performance.now() - t0;
        latencies.push(latency);
        byPosition[m].push(latency);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  // Work a message set off after its ack (projection, fan-out, follow-up jobs) counts towards its CPU, and must be
  // over before the next run starts: the built-in AI's answers to 200 new conversations take ~20 s of CPU, and
  // settle()'s default 15 s cut them off, leaving the rest to slow the echoes measured next.
  await settle(pid, 180_000);
  const cpuMs = cpuSince(pid, cpu0) / latencies.length;
  return { latencies, byPosition, throughput: latencies.length / seconds, cpuMs };
}

export const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

/** One row of a results table: p50, p99, throughput and CPU per message. */
export function row(label, run) {
  const ms = (v) => `${v.toFixed(1)} ms`.padEnd(11);
  const tput = run.throughput === undefined ? ''.padEnd(11) : `${run.throughput.toFixed(0)} msg/s`.padEnd(11);
  const cpu = run.cpuMs === undefined ? '' : `${run.cpuMs.toFixed(2)} ms`;
  return `${label.padEnd(28)}${ms(percentile(run.latencies, 50))}${ms(percentile(run.latencies, 99))}${tput}${cpu}`;
}
export const HEADER = `${''.padEnd(28)}${'p50'.padEnd(11)}${'p99'.padEnd(11)}${'throughput'.padEnd(11)}CPU/message`;

/** A CPU profile of the worker's isolate over `during()` (Chrome DevTools protocol on the inspector port). */
export async function profile(inspectorPort, during) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const ws = await open(targets[0].webSocketDebuggerUrl);
  let next = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const reply = JSON.parse(data.toString());
    if (reply.id !== undefined && pending.has(reply.id)) {
      pending.get(reply.id)(reply);
      pending.delete(reply.id);
    }
  });
  const call = (method, params = {}) =>
    new Promise((resolve) => {
      const id = ++next;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 200 });
  await call('Profiler.start');
  const result = await during();
  const { result: stopped } = await call('Profiler.stop');
  ws.close();
  return { result, profile: stopped.profile };
}

/**
 * Self and inclusive time per function of a CPU profile, heaviest first: [{ name, self, total }] in ms.
 * Inclusive time counts a function once per sample even when it recurses.
 */
export function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => {
    const f = n.callFrame;
    const file = f.url ? f.url.replace(/^.*\/(worker|node_modules|bench)\//, '$1/').replace(/\?.*$/, '') : '';
    return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
  };
  const self = new Map();
  const total = new Map();
  let sampled = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    sampled += dt;
    const leaf = byId.get(id);
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const name = label(byId.get(n));
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + dt);
    }
  });
  const names = new Set([...self.keys(), ...total.keys()]);
  return {
    sampled,
    entries: [...names]
      .map((name) => ({ name, self: self.get(name) ?? 0, total: total.get(name) ?? 0 }))
      .sort((a, b) => b.self - a.self),
  };
}
