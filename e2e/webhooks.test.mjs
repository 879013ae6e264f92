// Ownership, end to end, as a partner's backend learns it: a user connects an Instagram account
// in the dashboard (the release build in Chromium, against the sandbox); the proxy's webhook
// reaches a backend of the partner's and is verified with Standard Webhooks' official libraries
// (npm and PyPI), and the `socialchat:connected` event's receipt with jose and PyJWT; the
// dashboard's channel list shows the new channel at once; and an account whose channel is
// someone else's is not offered.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { jwtVerify } from "jose";
import { Webhook } from "standardwebhooks";
import { launch } from "./browser.mjs";
import { BUNDLE, ROOT, SESSION_SECRET, startSandbox, until } from "./sandbox.mjs";
import { startHost } from "./host.mjs";

/** The partner's webhook secret: `whsec_` and base64 of 32 random-looking bytes. */
const WEBHOOK_SECRET = "whsec_ZTJlLXdlYmhvb2stc2VjcmV0LW9mLXRoaXJ0eS10d28=";
/** Python with standardwebhooks and PyJWT, installed by scripts/setup. */
const PYTHON = path.join(ROOT, "target/tools/partner-python/bin/python");

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

/** The partner's backend: keeps each delivery's headers and raw body, answers 204. */
async function startBackend() {
  const deliveries = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks/socialchat`,
    deliveries,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function setUp(t, widgets) {
  const backend = await startBackend();
  const outbox = mkdtempSync(path.join(os.tmpdir(), "socialchat-e2e-outbox-"));
  const sandbox = await startSandbox(
    [
      "--static", BUNDLE,
      "--allow-local-origins",
      "--callback-url", `${host.origin}/callback.html?channel={kind}`,
      "--webhook-url", backend.url,
      "--outbox", `sqlite:${outbox}/outbox.sqlite3`,
    ],
    { env: { SOCIALCHAT_WEBHOOK_SECRET: WEBHOOK_SECRET } },
  );
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  await page.goto(host.dashboard({ files: host.origin, api: sandbox.origin, widgets }));
  t.after(async () => {
    await context.close();
    sandbox.stop();
    await backend.close();
  });
  return { backend, context, page };
}

async function allow(context, button) {
  const [popup] = await Promise.all([context.waitForEvent("page"), button.click()]);
  await popup.getByRole("button", { name: "Allow" }).click();
  await popup.waitForEvent("close", { timeout: 10000 });
}

test("a connect reaches the partner's backend verified by the official libraries, with a receipt it can check", async (t) => {
  const { backend, context, page } = await setUp(t, [{ lang: "en", "list-channels": "" }]);
  const w = page.locator("socialchat-connect").first();
  await w.getByText("Toko Batik Sari").first().waitFor();
  await allow(context, w.getByRole("button", { name: "Connect Instagram" }));
  await w.getByRole("button", { name: "Load more" }).click();
  await w.getByRole("radio", { name: "Apotek Sehat Sentosa" }).check();
  await w.getByRole("button", { name: "Connect", exact: true }).click();
  await w.getByText("Apotek Sehat Sentosa is now connected to Socialchat.", { exact: true }).first().waitFor();

  // The list shows the new channel at once: the session (minted before) does not list it, the
  // widget's receipt does.
  await w.locator(".sc-channel", { hasText: "Apotek Sehat Sentosa" }).waitFor({ timeout: 10000 });
  // The host page's refresh() loads the list again, receipts included.
  const lists = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.endsWith("/partner/channel")) lists.push(r.headers()["x-socialchat-receipt"]);
  });
  await page.evaluate(() => document.querySelector("socialchat-connect").refresh());
  await until("the list loaded again", () => lists.length === 1);
  assert.ok(lists[0], "the list asked again with the widget's receipt");
  await w.locator(".sc-channel", { hasText: "Apotek Sehat Sentosa" }).waitFor({ timeout: 10000 });

  const connected = (await page.evaluate(() => window.scEvents)).filter((e) => e.type === "socialchat:connected");
  assert.equal(connected.length, 1);
  const receipt = connected[0].detail.receipt;
  assert.equal(typeof receipt, "string");

  await until("the webhook", () => backend.deliveries.length === 1);
  const delivery = backend.deliveries[0];
  // Node: standardwebhooks from npm.
  const event = new Webhook(WEBHOOK_SECRET).verify(delivery.body, delivery.headers);
  assert.equal(event.type, "channel.connected");
  assert.equal(event.data.sub, "partner-user-1");
  assert.equal(event.data.kind, "instagram");
  assert.equal(event.data.reconnected, false);
  assert.equal(event.data.channel._id, connected[0].detail.id);
  assert.throws(() => new Webhook(WEBHOOK_SECRET).verify(delivery.body.replace("instagram", "messenger"), delivery.headers));
  // The receipt: jose, as the partner's Node backend verifies its own sessions.
  const { payload } = await jwtVerify(receipt, new TextEncoder().encode(SESSION_SECRET), {
    audience: "socialchat-connect-receipt",
    algorithms: ["HS256"],
  });
  assert.equal(payload.sub, "partner-user-1");
  assert.equal(payload._id, connected[0].detail.id);
  assert.equal(payload.kind, "instagram");
  assert.equal(payload.jti, delivery.headers["webhook-id"], "the receipt names the webhook's event");
  assert.ok(payload.exp - payload.iat <= 600);
  // Python: standardwebhooks and PyJWT from PyPI.
  const python = JSON.parse(
    execFileSync(PYTHON, [path.join(ROOT, "e2e/verify_webhook.py")], {
      input: JSON.stringify({ secret: WEBHOOK_SECRET, headers: delivery.headers, body: delivery.body, session_secret: SESSION_SECRET, receipt }),
    }).toString(),
  );
  assert.equal(python.event.type, "channel.connected");
  assert.equal(python.event.data.channel._id, connected[0].detail.id);
  assert.equal(python.receipt.jti, delivery.headers["webhook-id"]);
});

test("an account whose channel belongs to someone else in the company is shown, not offered", async (t) => {
  // This user's session lists no channel of the company: the seeded disconnected one is
  // another user's.
  const { context, page } = await setUp(t, [{ lang: "en", "session-url": `/session?page=taken-${Date.now()}&channels=65f0a1b2c3d4e5f6a7b8c901` }]);
  const w = page.locator("socialchat-connect").first();
  await allow(context, w.getByRole("button", { name: "Connect Instagram" }));
  const row = w.locator(".sc-account", { hasText: "Connected in your company by someone else" });
  await row.waitFor();
  assert.equal(await row.getByRole("radio").isDisabled(), true);
  assert.equal(await row.getByRole("button", { name: /Reconnect/ }).count(), 0);
});
