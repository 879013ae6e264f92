// The chaos run of the proxy: `socialchat-proxy serve` in front of a test upstream (a real
// HTTP server), under what the internet does to it. Phases:
// - slow clients: hundreds of connections that trickle their headers (slowloris);
// - overload: a thousand calls at once, far beyond --max-concurrency, against a slow upstream;
// - an upstream that stops in the middle of its answer;
// - SIGTERM while calls are in flight.
// Throughout, /healthz and well-behaved calls must keep being answered within their time
// limits; the memory the load took must be given back; no call in flight may be lost on
// SIGTERM. Used by scripts/chaos (full) and e2e/chaos.test.mjs (short). Returns the report.
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { connect } from "node:net";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { PROXY_BIN, ROOT } from "./sandbox.mjs";

const SECRET = "chaos-session-secret-of-at-least-32-bytes!";
const PAGE = JSON.stringify({
  docs: [{ name: "Toko Batik Sari", channelId: "17841400000000001", picture: "https://cdn.example/p.jpg" }],
  hasNextPage: false,
});
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** The test upstream: answers account pages after `delay` ms, or stops half-way through. */
function startUpstream() {
  const mode = { delay: 0, stall: false };
  const server = createServer((req, res) => {
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(PAGE.length) });
      if (mode.stall) {
        res.write(PAGE.slice(0, 40)); // and never the rest
        return;
      }
      res.end(PAGE);
    }, mode.delay);
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ mode, origin: `http://127.0.0.1:${server.address().port}`, server })),
  );
}

function startProxy(upstream, args) {
  const env = { ...process.env, SOCIALCHAT_API_KEY: "chaos-api-key-0123456789", SOCIALCHAT_SESSION_SECRET: SECRET, RUST_LOG: "warn" };
  const child = spawn(PROXY_BIN, ["serve", "--upstream", upstream, "--listen", "127.0.0.1:0", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const logs = [];
  createInterface({ input: child.stderr }).on("line", (line) => logs.push(line));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the proxy exited with ${code}: ${logs.join("\n")}`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      const origin = line.split(/\s+/).find((w) => w.startsWith("http://"));
      resolve({ child, origin, logs, exited: new Promise((done) => child.once("exit", (code) => done(code))) });
    });
  });
}

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

/** A call as the widget makes it; resolves with its status and how long it took. */
async function call(origin, session, timeoutMs = 15_000) {
  const started = Date.now();
  try {
    const response = await fetch(`${origin}/api/socialchat/partner/channel/instagram/account?token=EAAB-chaos-token`, {
      headers: { authorization: `Bearer ${session}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return { status: response.status, ms: Date.now() - started };
  } catch (error) {
    return { status: 0, ms: Date.now() - started, error: String(error) };
  }
}

async function health(origin) {
  const started = Date.now();
  try {
    const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(5000) });
    return { ok: response.status === 200, ms: Date.now() - started };
  } catch {
    return { ok: false, ms: Date.now() - started };
  }
}

/** Probes /healthz and one well-behaved call every 200 ms while `during` runs. */
async function probing(origin, session, during) {
  const probes = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const [h, c] = await Promise.all([health(origin), call(origin, session, 10_000)]);
      probes.push({ health: h, call: c });
      await sleep(200);
    }
  })();
  const result = await during();
  running = false;
  await loop;
  return { result, probes };
}

export async function chaosProxy({ scale = 1, log = () => {} } = {}) {
  const report = { phases: {}, memory: {}, defects: [] };
  const upstream = await startUpstream();
  const session = execFileSync(PROXY_BIN, ["mint-session", "--sub", "chaos-user", "--kinds", "instagram", "--ttl-secs", "3600"], {
    env: { ...process.env, SOCIALCHAT_SESSION_SECRET: SECRET },
  }).toString().trim();
  const proxy = await startProxy(upstream.origin, [
    "--max-concurrency", "64",
    "--timeout-secs", "3",
    "--header-timeout-secs", "2",
    "--shutdown-grace-secs", "10",
    "--calls-per-minute", "0",
    "--calls-per-minute-per-address", "0",
  ]);
  const pid = proxy.child.pid;
  await call(proxy.origin, session);
  report.memory.startKiB = rssKiB(pid);
  let peak = report.memory.startKiB;
  const watch = setInterval(() => (peak = Math.max(peak, rssKiB(pid))), 100);
  const check = (phase, probes) => {
    const slowHealth = probes.filter((p) => !p.health.ok || p.health.ms > 1000);
    const badCalls = probes.filter((p) => p.call.status !== 200 || p.call.ms > 5000);
    report.phases[phase].probes = probes.length;
    report.phases[phase].healthzWorstMs = Math.max(...probes.map((p) => p.health.ms));
    report.phases[phase].callWorstMs = Math.max(...probes.map((p) => p.call.ms));
    if (slowHealth.length) report.defects.push(`${phase}: /healthz failed or took over 1 s ${slowHealth.length} times`);
    if (badCalls.length) report.defects.push(`${phase}: ${badCalls.length} of ${probes.length} well-behaved calls failed or took over 5 s (${JSON.stringify(badCalls[0].call)})`);
  };

  // 1. Slow clients: each sends a request line, then a header byte every 500 ms.
  const slow = 500 * scale;
  log(`proxy chaos: ${slow} slow clients`);
  report.phases.slowClients = { clients: slow };
  const { probes: p1, result: closedByProxy } = await probing(proxy.origin, session, async () => {
    const { port } = new URL(proxy.origin);
    const sockets = [];
    let closed = 0;
    for (let i = 0; i < slow; i++) {
      const socket = connect(Number(port), "127.0.0.1");
      socket.on("error", () => {});
      socket.on("close", () => closed++);
      socket.write("GET /api/socialchat/partner/channel HTTP/1.1\r\nHost: chaos\r\n");
      const timer = setInterval(() => socket.writable && socket.write("X"), 500);
      socket.on("close", () => clearInterval(timer));
      sockets.push(socket);
    }
    await sleep(4000);
    for (const s of sockets) s.destroy();
    return closed;
  });
  report.phases.slowClients.closedByTheProxyWithin4s = closedByProxy;
  check("slowClients", p1);
  if (closedByProxy < slow * 0.9) report.defects.push(`slowClients: only ${closedByProxy} of ${slow} were cut off after the 2 s header timeout`);

  // 2. Overload: a thousand calls at once against an upstream that takes 300 ms.
  const burst = 1000 * scale;
  log(`proxy chaos: ${burst} calls at once, --max-concurrency 64`);
  upstream.mode.delay = 300;
  report.phases.overload = { calls: burst };
  const { probes: p2, result: answers } = await probing(proxy.origin, session, () =>
    Promise.all(Array.from({ length: burst }, () => call(proxy.origin, session, 20_000))),
  );
  upstream.mode.delay = 0;
  const byStatus = {};
  for (const a of answers) byStatus[a.status] = (byStatus[a.status] || 0) + 1;
  report.phases.overload.byStatus = byStatus;
  report.phases.overload.slowestMs = Math.max(...answers.map((a) => a.ms));
  if (byStatus[0]) report.defects.push(`overload: ${byStatus[0]} calls got no answer`);
  if (Object.keys(byStatus).some((s) => !["200", "503"].includes(s))) report.defects.push(`overload: unexpected statuses ${JSON.stringify(byStatus)}`);
  // The probes run beside the burst and may themselves be turned away with 503: only /healthz
  // must stay fast here.
  report.phases.overload.probes = p2.length;
  report.phases.overload.healthzWorstMs = Math.max(...p2.map((p) => p.health.ms));
  if (p2.some((p) => !p.health.ok || p.health.ms > 1000)) report.defects.push("overload: /healthz failed or took over 1 s");

  // 3. An upstream that stops in the middle of its answer: a 502 or 504 within the timeout.
  log("proxy chaos: an upstream that stops mid-body");
  upstream.mode.stall = true;
  report.phases.stalledUpstream = {};
  const { probes: p3, result: stalled } = await probing(proxy.origin, session, () =>
    Promise.all(Array.from({ length: 20 }, () => call(proxy.origin, session, 10_000))),
  );
  upstream.mode.stall = false;
  report.phases.stalledUpstream.statuses = [...new Set(stalled.map((s) => s.status))];
  report.phases.stalledUpstream.slowestMs = Math.max(...stalled.map((s) => s.ms));
  if (stalled.some((s) => ![502, 504].includes(s.status) || s.ms > 4500)) report.defects.push(`stalledUpstream: ${JSON.stringify(stalled.find((s) => ![502, 504].includes(s.status) || s.ms > 4500))}`);
  report.phases.stalledUpstream.healthzWorstMs = Math.max(...p3.map((p) => p.health.ms));
  if (p3.some((p) => !p.health.ok || p.health.ms > 1000)) report.defects.push("stalledUpstream: /healthz failed or took over 1 s");

  // Memory: what the load took is given back once it is over.
  await sleep(3000);
  clearInterval(watch);
  report.memory.peakKiB = peak;
  report.memory.afterKiB = rssKiB(pid);
  if (report.memory.afterKiB > report.memory.startKiB + (peak - report.memory.startKiB) * 0.75 + 8 * 1024) {
    report.defects.push(`memory: ${report.memory.afterKiB} KiB after the load (start ${report.memory.startKiB}, peak ${peak})`);
  }

  // 4. SIGTERM with calls in flight: every one of them is answered.
  log("proxy chaos: SIGTERM with 50 calls in flight");
  upstream.mode.delay = 1000;
  const inFlight = Array.from({ length: 50 }, () => call(proxy.origin, session, 15_000));
  await sleep(300);
  const signalled = Date.now();
  proxy.child.kill("SIGTERM");
  const finished = await Promise.all(inFlight);
  const code = await proxy.exited;
  report.phases.sigterm = {
    inFlight: 50,
    answered200: finished.filter((f) => f.status === 200).length,
    exitCode: code,
    exitAfterMs: Date.now() - signalled,
  };
  if (report.phases.sigterm.answered200 !== 50) report.defects.push(`sigterm: ${50 - report.phases.sigterm.answered200} calls in flight were lost`);
  if (code !== 0) report.defects.push(`sigterm: exit code ${code}`);
  upstream.server.closeAllConnections();
  upstream.server.close();
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const report = await chaosProxy({ scale: Number(process.argv[2] || 1), log: (line) => console.log(line) });
  console.log(JSON.stringify(report, null, 2));
  process.exit(report.defects.length ? 1 : 0);
}
