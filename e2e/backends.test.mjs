// The partner backends of examples/ (backend-python, backend-node), each run as a partner runs
// it (its `run` script, from a fresh copy of its folder) against the sandbox with a webhook and
// an outbox, driven in Chromium: sign in, connect an Instagram account and a WhatsApp number,
// and see them under "Your channels". Checked on the way: no console error and no CSP
// violation under the backend's own policy; the webhook verified and recorded (its SQLite
// database, read with python3's sqlite3); the receipt recorded; the next session lists the
// channels; a webhook with a wrong signature is refused and records nothing; a delivery seen
// twice is recorded once; another user's receipt is refused; the bundle is served as it must be.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createInterface } from "node:readline";
import os from "node:os";
import path from "node:path";
import { Webhook } from "standardwebhooks";
import { launch } from "./browser.mjs";
import { BUNDLE, ROOT, SESSION_SECRET, freePort, startSandbox, until } from "./sandbox.mjs";

/** The README quickstart's webhook secret: the proxy and both backends' libraries take it. */
const WEBHOOK_SECRET = "whsec_cXVpY2tzdGFydC13ZWJob29rLXNlY3JldC0zMmJ5dGU=";
const KINDS = ["instagram", "messenger", "whatsapp", "telegram", "webchat"];

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Copies examples/backend-NAME (without installed packages or databases) and runs it. */
async function startBackend(name, port, proxyUrl) {
  const source = path.join(ROOT, "examples", `backend-${name}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), `socialchat-backend-${name}-`));
  cpSync(source, dir, {
    recursive: true,
    filter: (file) => !/^(node_modules|\.venv|__pycache__)$|\.sqlite3$/.test(path.basename(file)),
  });
  const env = { ...process.env, PORT: String(port), SOCIALCHAT_SESSION_SECRET: SESSION_SECRET,
    SOCIALCHAT_WEBHOOK_SECRET: WEBHOOK_SECRET, SOCIALCHAT_PROXY_URL: proxyUrl, SOCIALCHAT_BUNDLE: BUNDLE };
  delete env.DATABASE; // the default: partner.sqlite3 in the backend's folder
  // Its own process group, so that an install still running is ended with it.
  const child = spawn(path.join(dir, "run"), [], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const logs = [];
  createInterface({ input: child.stderr }).on("line", (line) => logs.push(line));
  const stop = () => {
    try {
      process.kill(-child.pid);
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  const origin = await new Promise((resolve, reject) => {
    // The first run installs the packages (npm ci, or pip into a new .venv).
    const timer = setTimeout(() => reject(new Error(`backend-${name} did not start:\n${logs.join("\n")}`)), 90000);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const listening = line.match(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/);
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`backend-${name} exited with ${code}:\n${logs.join("\n")}`)));
  }).catch((e) => {
    stop();
    throw e;
  });
  return { origin, database: path.join(dir, "partner.sqlite3"), logs, stop };
}

/** Rows of the backend's SQLite database, read as anyone would: python3's sqlite3. */
function query(database, sql) {
  const script =
    "import json, sqlite3, sys\n" +
    "db = sqlite3.connect(sys.argv[1]); db.row_factory = sqlite3.Row\n" +
    "print(json.dumps([dict(row) for row in db.execute(sys.argv[2])]))";
  return JSON.parse(execFileSync("python3", ["-c", script, database, sql]).toString());
}

const claims = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());

/** Signs in with fetch, as a second user; answers the cookie header to send. */
async function signIn(origin, name) {
  const response = await fetch(`${origin}/sign-in`, { method: "POST", body: new URLSearchParams({ name }), redirect: "manual" });
  assert.equal(response.status, 303);
  const cookie = response.headers.get("set-cookie");
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  return cookie.split(";")[0];
}

/** A Standard Webhooks delivery of `event`, signed with `secret`. */
function delivery(secret, id, event) {
  const body = JSON.stringify(event);
  const timestamp = new Date();
  return {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign(id, timestamp, body),
    },
  };
}

for (const name of ["python", "node"]) {
  test(`backend-${name}: sign in, connect Instagram and WhatsApp, ownership from the receipt and the verified webhook`, async (t) => {
    const port = await freePort();
    const dashboard = `http://127.0.0.1:${port}`;
    const outbox = mkdtempSync(path.join(os.tmpdir(), "socialchat-e2e-backend-outbox-"));
    // As the README's quickstart starts it, on a free port.
    const sandbox = await startSandbox(
      [
        "--allow-origin", dashboard,
        "--callback-url", `${dashboard}/socialchat/callback.html?channel={kind}`,
        "--webhook-url", `${dashboard}/webhooks/socialchat`,
        "--outbox", `sqlite:${outbox}/outbox.sqlite3`,
      ],
      { env: { SOCIALCHAT_WEBHOOK_SECRET: WEBHOOK_SECRET } },
    );
    t.after(() => {
      sandbox.stop();
      rmSync(outbox, { recursive: true, force: true });
    });
    const backend = await startBackend(name, port, `${sandbox.origin}/api/socialchat`);
    t.after(backend.stop);
    assert.equal(backend.origin, dashboard);

    const context = await browser.newContext({ viewport: { width: 1000, height: 1000 } });
    t.after(() => context.close());
    const problems = [];
    context.on("console", (m) => {
      // The sandbox seeds one account whose picture is missing on purpose.
      const expected = /\/(favicon\.ico|sandbox\/avatar\/missing\.png)$/.test(m.location().url);
      if ((m.type() === "error" && !expected) || m.text().includes("Content Security Policy")) problems.push(`${m.text()} ${m.location().url}`);
    });
    context.on("weberror", (e) => problems.push(`error: ${e.error().message}`));

    // Sign in.
    const page = await context.newPage();
    const first = await page.goto(`${dashboard}/`);
    assert.match(first.headers()["content-security-policy"], /script-src 'self' 'wasm-unsafe-eval'/);
    await page.getByLabel("Your name").fill("Ayu");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Partner dashboard" }).waitFor();
    await page.getByText("Signed in as Ayu").waitFor();
    const yours = page.getByRole("list", { name: "Your channels" });

    // Instagram: popup, Allow, pick an account, Connect.
    const instagram = page.locator("#connect-instagram");
    const [popup] = await Promise.all([context.waitForEvent("page"), instagram.getByRole("button", { name: "Connect Instagram" }).click()]);
    await popup.getByRole("button", { name: "Allow" }).click();
    await popup.waitForEvent("close", { timeout: 10000 });
    await instagram.getByRole("radio", { name: "Bengkel Motor Jaya" }).check();
    const receiptPosted = page.waitForResponse((r) => r.url().endsWith("/api/me/socialchat-receipt"));
    await instagram.getByRole("button", { name: "Connect", exact: true }).click();
    const answer = await receiptPosted;
    assert.equal(answer.status(), 200, "the backend verified the receipt");
    const receipt = answer.request().postDataJSON().receipt;
    const { _id, sub, jti } = claims(receipt);
    // The name comes with the webhook.
    await yours.getByText("Bengkel Motor Jaya (instagram)", { exact: true }).waitFor({ timeout: 20000 });
    assert.deepEqual(await yours.getByRole("listitem").allTextContents(), ["Bengkel Motor Jaya (instagram)"]);

    // The webhook reached the backend, verified: recorded under its webhook-id (the receipt's jti).
    assert.deepEqual(query(backend.database, "SELECT id, type FROM webhook_events"), [{ id: jti, type: "channel.connected" }]);
    const [row] = query(backend.database, "SELECT _id, sub, kind, name, first_seen_by FROM channels");
    assert.deepEqual({ ...row, first_seen_by: undefined }, { _id, sub, kind: "instagram", name: "Bengkel Motor Jaya", first_seen_by: undefined });
    assert.ok(["receipt", "webhook"].includes(row.first_seen_by));

    // WhatsApp: the session lists every kind, so this element works too (a form, a QR code).
    const whatsapp = page.locator("#connect-whatsapp");
    await whatsapp.getByRole("button", { name: "Connect WhatsApp" }).click();
    await whatsapp.getByLabel("Display name", { exact: true }).fill("Toko Kain Nusantara");
    await whatsapp.getByLabel("WhatsApp number", { exact: true }).fill("0813-5555-6666");
    await whatsapp.getByRole("button", { name: "Show the QR code" }).click();
    await whatsapp.getByRole("img", { name: "QR code to link WhatsApp" }).waitFor();
    // channel.created: the number is Ayu's before it is scanned.
    await until("channel.created", () => query(backend.database, "SELECT 1 FROM webhook_events WHERE type = 'channel.created'").length === 1);
    const scanned = await fetch(`${sandbox.origin}/sandbox/whatsapp/scan?phone=6281355556666`, { method: "POST" });
    assert.equal(scanned.status, 204);
    await whatsapp.getByText("Toko Kain Nusantara is now connected to Socialchat.", { exact: true }).first().waitFor({ timeout: 10000 });
    await yours.getByText("Toko Kain Nusantara (whatsapp)", { exact: true }).waitFor({ timeout: 10000 });
    await until("channel.connected of the number", () => query(backend.database, "SELECT 1 FROM webhook_events").length === 3);
    const owned = query(backend.database, "SELECT _id, sub, kind FROM channels ORDER BY created_at, _id");
    assert.equal(owned.length, 2);
    assert.ok(owned.every((c) => c.sub === sub));

    // The next session lists both channels, with every kind; the widget's list shows them.
    const session = claims((await (await page.request.get(`${dashboard}/api/me/socialchat-session`)).json()).session);
    assert.equal(session.aud, "socialchat-connect");
    assert.equal(session.sub, sub);
    assert.deepEqual(session.kinds, KINDS);
    assert.deepEqual([...session.channels].sort(), owned.map((c) => c._id).sort());
    assert.ok(session.channels.includes(_id));
    assert.equal(session.exp - session.iat, 600);
    await page.reload();
    await instagram.locator(".sc-channel", { hasText: "Bengkel Motor Jaya" }).waitFor({ timeout: 10000 });
    assert.deepEqual(await yours.getByRole("listitem").allTextContents(), ["Bengkel Motor Jaya (instagram)", "Toko Kain Nusantara (whatsapp)"]);
    assert.deepEqual(problems, [], "no error and no CSP violation on the page");

    // A webhook with a wrong signature, or none: 400, nothing recorded.
    const forged = { type: "channel.connected", timestamp: new Date().toISOString(),
      data: { sub, kind: "instagram", reconnected: false, channel: { _id: "forged00000000000000000a", name: "Forged" } } };
    const wrong = "whsec_" + Buffer.from("not-the-webhook-secret-of-32-byte").toString("base64");
    const url = `${dashboard}/webhooks/socialchat`;
    assert.equal((await fetch(url, delivery(wrong, "msg_forged", forged))).status, 400);
    const unsigned = delivery(WEBHOOK_SECRET, "msg_forged", forged);
    delete unsigned.headers["webhook-signature"];
    assert.equal((await fetch(url, unsigned)).status, 400);
    const tampered = delivery(WEBHOOK_SECRET, "msg_forged", forged);
    tampered.body = tampered.body.replace("Forged", "Forgéd");
    assert.equal((await fetch(url, tampered)).status, 400);
    assert.deepEqual(query(backend.database, "SELECT _id FROM channels WHERE _id LIKE 'forged%'"), []);
    assert.deepEqual(query(backend.database, "SELECT id FROM webhook_events WHERE id = 'msg_forged'"), []);

    // A delivery seen twice (at least once) is recorded once.
    const again = { ...forged, type: "channel.created", data: { ...forged.data, kind: "telegram", channel: { _id: "twice0000000000000000000", name: "Bot 7000000001" } } };
    for (let n = 0; n < 2; n++) assert.equal((await fetch(url, delivery(WEBHOOK_SECRET, "msg_twice", again))).status, 204);
    assert.deepEqual(query(backend.database, "SELECT id, type FROM webhook_events WHERE id = 'msg_twice'"), [{ id: "msg_twice", type: "channel.created" }]);
    assert.deepEqual(query(backend.database, "SELECT _id, sub, kind, name, first_seen_by FROM channels WHERE _id LIKE 'twice%'"),
      [{ _id: "twice0000000000000000000", sub, kind: "telegram", name: "Bot 7000000001", first_seen_by: "webhook" }]);

    // Another user: Ayu's receipt is refused (403) and records nothing for Budi.
    const budi = await signIn(dashboard, "Budi");
    const post = (cookie, body) => fetch(`${dashboard}/api/me/socialchat-receipt`, {
      method: "POST", headers: { "content-type": "application/json", ...(cookie && { cookie }) }, body: JSON.stringify(body) });
    assert.equal((await post(budi, { receipt })).status, 403);
    assert.equal((await post(budi, { receipt: receipt.slice(0, -2) + "AA" })).status, 400);
    assert.equal((await post(null, { receipt })).status, 401);
    assert.deepEqual(await (await fetch(`${dashboard}/api/me/channels`, { headers: { cookie: budi } })).json(), []);
    assert.equal(query(backend.database, `SELECT sub FROM channels WHERE _id = '${_id}'`)[0].sub, sub);
    assert.equal((await fetch(`${dashboard}/api/me/socialchat-session`)).status, 401);
    const budiSession = claims((await (await fetch(`${dashboard}/api/me/socialchat-session`, { headers: { cookie: budi } })).json()).session);
    assert.notEqual(budiSession.sub, sub);
    assert.deepEqual(budiSession.channels, []);

    // The bundle: the wasm as application/wasm, the loader as JavaScript, nothing outside it.
    const loader = await fetch(`${dashboard}/socialchat/socialchat-connect.js`);
    assert.equal(loader.headers.get("content-type"), "text/javascript");
    const wasm = (await loader.text()).match(/"\.\/(pkg\/[^"]+\.wasm)"/)[1];
    assert.equal((await fetch(`${dashboard}/socialchat/${wasm}`)).headers.get("content-type"), "application/wasm");
    for (const escape of ["..%2f..%2fREADME.md", "..%2fsocialchat%2fcallback.html", "%2e%2e%2f%2e%2e%2fREADME.md", "pkg%2f..%2f..%2f..%2fREADME.md"]) {
      assert.equal((await fetch(`${dashboard}/socialchat/${escape}`)).status, 404, escape);
    }
    assert.equal((await fetch(`${dashboard}/nothing-here`)).status, 404);
  });
}
