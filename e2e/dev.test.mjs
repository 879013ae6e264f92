// The preview as a contributor starts it: scripts/dev on ports of their choosing (DEV_PORT,
// SANDBOX_PORT), setting up only what the preview needs. trunk serve builds the widget (a debug
// build: a minute or two the first time) and forwards the API and the session stand-in to the
// sandbox on its port.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { ROOT, freePort } from "./sandbox.mjs";

function run(env) {
  const child = spawn("scripts/dev", [], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const out = { text: "" };
  child.stdout.on("data", (c) => (out.text += c));
  child.stderr.on("data", (c) => (out.text += c));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { child, out, exited, stop: () => { try { process.kill(-child.pid, "SIGINT"); } catch {} } };
}

test("scripts/dev: the preview and the sandbox on the ports asked for, set up without the test tools", { timeout: 600000 }, async (t) => {
  const [devPort, sandboxPort] = [await freePort(), await freePort()];
  const dev = run({ DEV_PORT: String(devPort), SANDBOX_PORT: String(sandboxPort) });
  t.after(async () => {
    dev.stop();
    await Promise.race([dev.exited, new Promise((r) => setTimeout(r, 5000))]);
  });
  const preview = `http://127.0.0.1:${devPort}`;
  let page = "";
  for (let i = 0; i < 5400 && !page.includes("<socialchat-connect"); i++) {
    assert.equal(dev.child.exitCode, null, `scripts/dev stopped:\n${dev.out.text}`);
    page = await fetch(`${preview}/`).then((r) => (r.ok ? r.text() : ""), () => "");
    if (!page) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(page.includes("<socialchat-connect"), `the preview answered on ${preview}:\n${dev.out.text}`);
  assert.ok(dev.out.text.includes(`dev: preview at  ${preview}/   (sandbox at http://127.0.0.1:${sandboxPort}`), dev.out.text);
  // trunk forwards the session stand-in and the API to the sandbox on its own port.
  const { session } = await fetch(`${preview}/sandbox/session?sub=dev-test`).then((r) => r.json());
  assert.match(session, /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
  const channels = await fetch(`${preview}/api/socialchat/partner/channel/instagram/authorize`, {
    headers: { authorization: `Bearer ${session}` },
  });
  assert.equal(channels.status, 200, await channels.text());
  const direct = await fetch(`http://127.0.0.1:${sandboxPort}/healthz`);
  assert.equal(direct.status, 200);
  // The preview's setup never looked at the test tools.
  for (const tool of ["chromium", "firefox", "geckodriver", "mdbook", "PostgreSQL", "kubernetes-validate", "musl"]) {
    assert.ok(!dev.out.text.includes(tool), `the preview's setup mentions ${tool}:\n${dev.out.text}`);
  }
});

test("scripts/dev: a port already taken is said plainly, before anything starts", async (t) => {
  const blocker = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => blocker.once("listening", r));
  t.after(() => blocker.close());
  const taken = blocker.address().port;
  const dev = run({ DEV_PORT: String(taken), SANDBOX_PORT: String(await freePort()) });
  const code = await dev.exited;
  assert.equal(code, 1);
  assert.match(dev.out.text, new RegExp(`port ${taken} is taken`));
});
