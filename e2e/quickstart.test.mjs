// The README's partner quickstart, done exactly as it says, in a fresh directory: the commands
// of its `sh` blocks are read from the README (not copied here) and run verbatim with bash in a
// copy of the repository's files, then a browser does what its last step says. The first block
// (building the bundle and the proxy) is what this suite has already run (scripts/test:
// scripts/bundle, and cargo's debug build of the proxy): the copy shares target/ with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { launch } from "./browser.mjs";
import { ROOT } from "./sandbox.mjs";

/** The fenced `sh` blocks of the README's section `## Partner quickstart`. */
function quickstartBlocks() {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Partner quickstart\n"));
  assert.ok(section, "the README has a `## Partner quickstart` section");
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1].trim());
}

const portTaken = (port) =>
  new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

/** Runs a block with bash in `cwd`, in its own process group, and says when it prints `ready`. */
function start(block, cwd, ready) {
  const child = spawn("bash", ["-euo", "pipefail", "-c", block], { cwd, env: { ...process.env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const out = { text: "" };
  child.stdout.on("data", (c) => (out.text += c));
  child.stderr.on("data", (c) => (out.text += c));
  const started = new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (ready(out.text)) clearInterval(timer), resolve();
      else if (child.exitCode !== null) clearInterval(timer), reject(new Error(`exited ${child.exitCode}:\n${out.text}`));
    }, 100);
    // Unref'd: a test that has ended must not wait for it.
    setTimeout(() => (clearInterval(timer), reject(new Error(`not ready in 240 s:\n${out.text}`))), 240000).unref();
  });
  return { started, out, stop: () => { try { process.kill(-child.pid, "SIGTERM"); } catch {} } };
}

test("the README's partner quickstart, verbatim in a fresh directory, connects an Instagram account", { timeout: 400000 }, async (t) => {
  const blocks = quickstartBlocks();
  assert.equal(blocks.length, 3, `three sh blocks:\n${blocks.join("\n---\n")}`);
  assert.equal(blocks[0], "scripts/bundle && cargo build -p socialchat-proxy", "the build this suite has run");
  for (const port of [8787, 3000]) {
    assert.ok(!(await portTaken(port)), `port ${port}, which the quickstart uses, is taken: stop what listens there`);
  }

  // A fresh directory with the repository's files (as a clone has them) and the suite's target/.
  const dir = mkdtempSync(path.join(tmpdir(), "socialchat-quickstart-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT })
    .toString().split("\0").filter(Boolean);
  for (const file of files) {
    try {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      cpSync(path.join(ROOT, file), path.join(dir, file));
    } catch (e) {
      if (e.code !== "ENOENT") throw e; // deleted in the work tree, not yet in git
    }
  }
  symlinkSync(path.join(ROOT, "target"), path.join(dir, "target"));
  rmSync(path.join(ROOT, "target/quickstart-outbox.sqlite3"), { force: true });

  const sandbox = start(blocks[1], dir, (text) => text.includes("127.0.0.1:8787"));
  const backend = start(blocks[2], dir, (text) => text.includes("listening on http://127.0.0.1:3000"));
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    backend.stop();
    sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(ROOT, "target/quickstart-outbox.sqlite3"), { force: true });
  });
  await sandbox.started;
  await backend.started;

  // 4. Open the dashboard, sign in with any name, Connect Instagram, Allow, choose, Connect.
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const problems = [];
  context.on("console", (m) => {
    const expected = /\/(favicon\.ico|sandbox\/avatar\/missing\.png)$/.test(m.location().url);
    if ((m.type() === "error" && !expected) || m.text().includes("Content Security Policy")) problems.push(m.text());
  });
  const page = await context.newPage();
  await page.goto("http://127.0.0.1:3000/");
  await page.getByLabel("Your name").fill("Ayu");
  await page.getByRole("button", { name: "Sign in" }).click();
  const [popup] = await Promise.all([
    context.waitForEvent("page"),
    page.getByRole("button", { name: "Connect Instagram" }).click(),
  ]);
  await popup.getByRole("button", { name: "Allow" }).click();
  await page.getByRole("radio", { name: "Bengkel Motor Jaya" }).check();
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  // Under "Your channels", named once the signed webhook has arrived.
  await page.getByRole("list", { name: "Your channels" }).getByText("Bengkel Motor Jaya (instagram)").waitFor({ timeout: 20000 });
  assert.deepEqual(problems, [], "no error and no CSP violation on the page");
});
