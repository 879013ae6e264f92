// Starts `socialchat-proxy sandbox` on a free port of 127.0.0.1 and resolves with its origin.
// Shared by the end-to-end tests, the screenshots and the benchmarks.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const PROXY_BIN = path.join(ROOT, "target/debug/socialchat-proxy");
/** What a partner deploys (scripts/bundle): the end-to-end tests serve exactly this folder. */
export const BUNDLE = path.join(ROOT, "target/bundle/socialchat");

export function startSandbox(args = []) {
  const child = spawn(PROXY_BIN, ["sandbox", "--listen", "127.0.0.1:0", ...args], {
    cwd: ROOT,
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
