// The framework examples (examples/: React 19, Vue 3, plain TypeScript), built by Vite from the
// packed npm tarball (scripts/examples), each driven through one connect in Chromium: the
// element works inside the framework's page under a strict Content-Security-Policy, its
// `socialchat:connected` event reaches the framework's state and is drawn, and the element
// class says its version. Run after scripts/bundle and scripts/examples (scripts/test does).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import path from "node:path";
import { launch } from "./browser.mjs";
import { BUNDLE, ROOT, freePort, startSandbox, until } from "./sandbox.mjs";
import { startHost } from "./host.mjs";

const VERSION = JSON.parse(readFileSync(path.join(BUNDLE, "package.json"), "utf8")).version;

let browser;
let host;
before(async () => {
  browser = await launch();
  host = await startHost();
});
after(async () => {
  await browser?.close();
  await host?.close();
});

for (const [name, title] of [["react", "React dashboard"], ["vue", "Vue dashboard"], ["typescript", "TypeScript dashboard"]]) {
  test(`${title}: the element from the npm package connects an account, and the event reaches the page's state`, async (t) => {
    assert.ok(readFileSync(path.join(ROOT, "examples", name, "dist", "index.html")), "scripts/examples built it");
    const sandbox = await startSandbox(["--allow-local-origins", "--callback-url", `${host.origin}/callback.html?channel={kind}`]);
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const problems = [];
    context.on("console", (m) => {
      // The sandbox seeds one account whose picture is missing on purpose; pages have no icon.
      const expected = /\/(favicon\.ico|sandbox\/avatar\/missing\.png)$/.test(m.location().url);
      if ((m.type() === "error" && !expected) || m.text().includes("Content Security Policy")) problems.push(`${m.text()} ${m.location().url}`);
    });
    context.on("weberror", (e) => problems.push(`error: ${e.error().message}`));
    t.after(async () => {
      await context.close();
      sandbox.stop();
    });
    const page = await context.newPage();
    await page.goto(host.example(name, sandbox.origin));
    await page.getByRole("heading", { name: title }).waitFor();
    await page.getByText(`socialchat-connect ${VERSION}`, { exact: true }).waitFor();
    await connectsAndShows(context, page);
    assert.deepEqual(problems, [], "no error and no CSP violation on the page");
  });
}

/** Connects Bengkel Motor Jaya through the sandbox's dialog; the page's state shows it. */
async function connectsAndShows(context, page) {
  const [popup] = await Promise.all([
    context.waitForEvent("page"),
    page.getByRole("button", { name: "Connect Instagram" }).click(),
  ]);
  await popup.getByRole("button", { name: "Allow" }).click();
  await popup.waitForEvent("close", { timeout: 10000 });
  await page.getByRole("radio", { name: "Bengkel Motor Jaya" }).check();
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  const connected = page.getByRole("list", { name: "Connected channels" }).getByRole("listitem");
  await connected.first().waitFor();
  assert.deepEqual(await connected.allTextContents(), ["Bengkel Motor Jaya (instagram)"]);
}

test("React's dev server (npm run dev): the callback page and pkg/ from the package, the API through Vite's proxy, a connect completes", async (t) => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  // No --allow-origin: through the dev server's proxy the widget's calls are same-origin, as
  // long as the proxy keeps the browser's Host (changeOrigin: false).
  const sandbox = await startSandbox(["--callback-url", `${origin}/callback.html?channel={kind}`]);
  const dev = spawn("npm", ["run", "dev", "--", "--port", String(port), "--strictPort"], {
    cwd: path.join(ROOT, "examples", "react"),
    env: { ...process.env, SOCIALCHAT_PROXY_ORIGIN: sandbox.origin },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  dev.stdout.on("data", (chunk) => (output += chunk));
  dev.stderr.on("data", (chunk) => (output += chunk));
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  t.after(async () => {
    await context.close();
    // npm runs Vite as its child: stop the whole group.
    try { process.kill(-dev.pid, "SIGTERM"); } catch {}
    sandbox.stop();
  });
  // Ready when it answers, not when its banner says so: wherever CI is set, Vite colours the
  // port in its banner (picocolors), and the banner no longer holds the origin as plain text.
  const answered = () => fetch(`${origin}/`).then((r) => r.ok, () => false);
  await until(`the dev server on ${origin}`, async () => dev.exitCode !== null || (await answered()), 30000)
    .catch((e) => assert.fail(`${e.message}:\n${output}`));
  assert.equal(dev.exitCode, null, `the dev server exited:\n${output}`);
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.getByRole("heading", { name: "React dashboard" }).waitFor();
  await connectsAndShows(context, page);
});
