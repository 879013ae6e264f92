// Starts `socialchat-proxy sandbox` on a free port of 127.0.0.1 and resolves with its origin.
// Shared by the end-to-end tests, the screenshots and the benchmarks.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The debug build (the test suites'); the benchmarks run the release build a partner deploys.
export const PROXY_BIN = process.env.SOCIALCHAT_PROXY_BIN || path.join(ROOT, "target/debug/socialchat-proxy");
/** What a partner deploys (scripts/bundle): the end-to-end tests serve exactly this folder. */
export const BUNDLE = path.join(ROOT, "target/bundle/socialchat");

/** scripts/bundle's manifest: the content-hashed names of the modules and their wasm. */
export function bundleManifest() {
  return JSON.parse(readFileSync(path.join(BUNDLE, "../manifest.json"), "utf8"));
}
/** The secret the sandbox checks sessions with, shared with the dashboard's backend (host.mjs). */
export const SESSION_SECRET = "e2e-session-secret-shared-with-the-partner-backend";
/** The seeded channels, as the partner's backend would list a signed-in user's. */
export const SEEDED_CHANNELS = [1, 2, 3, 4, 5, 6].map((n) => `65f0a1b2c3d4e5f6a7b8c90${n}`);

/** Starts the sandbox, checking sessions as `serve` does (`sessions: false` leaves it open). */
export function startSandbox(args = [], { sessions = true, env: extra = {} } = {}) {
  const env = { ...process.env, ...extra };
  if (sessions) env.SOCIALCHAT_SANDBOX_SESSION_SECRET = SESSION_SECRET;
  else delete env.SOCIALCHAT_SANDBOX_SESSION_SECRET;
  // The suites call far more often, from one address, than the default limits allow.
  const flags = [...(sessions ? ["--session-secret-env"] : []), "--calls-per-minute", "100000", "--calls-per-minute-per-address", "100000"];
  const child = spawn(PROXY_BIN, ["sandbox", "--listen", "127.0.0.1:0", ...flags, ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs = [];
  createInterface({ input: child.stderr }).on("line", (line) => logs.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start: ${logs.join("\n")}`)), 10000);
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      const origin = line.split(/\s+/).find((w) => w.startsWith("http://"));
      resolve({
        origin,
        logs,
        async fail(rule) {
          const response = await fetch(`${origin}/sandbox/fail?rule=${encodeURIComponent(rule)}`, { method: "POST" });
          if (response.status !== 204) throw new Error(`fail ${rule}: ${response.status}`);
        },
        stop() {
          child.kill();
        },
      });
    });
    child.once("exit", (code) => reject(new Error(`sandbox exited with ${code}: ${logs.join("\n")}`)));
  });
}

/** A port of 127.0.0.1 nothing listens on now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** Waits until `condition()` holds (polled every 100 ms), or fails naming `what`. */
export async function until(what, condition, limit = 15000) {
  const start = Date.now();
  while (Date.now() - start < limit) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
