// A small partner backend for <socialchat-connect>, in plain Node (node:http, no framework).
// It shows the four things your own backend has to do:
//   1. mint a session (a JWT) for the signed-in user: GET /api/me/socialchat-session;
//   2. verify the receipt the page posts after a connect: POST /api/me/socialchat-receipt;
//   3. verify the proxy's webhook (Standard Webhooks): POST /webhooks/socialchat;
//   4. remember which user owns which channel, and list those channels in the next session.
// The sign-in is a demo (a name, no password): replace it with your own.
// Start it with ./run (installs the packages, then runs this file).
import { createServer } from "node:http";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sqlite from "node-sqlite3-wasm";
import { SignJWT, jwtVerify } from "jose";
import { Webhook } from "standardwebhooks";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const KINDS = ["instagram", "messenger", "whatsapp", "telegram", "webchat"];

// ---- Configuration, from the environment -------------------------------------------------
function fail(message) {
  console.error(`backend-node: ${message}`);
  process.exit(1);
}
const PORT = Number(process.env.PORT || 3000);
// Shared with the proxy (which checks sessions and signs receipts with it): at least 32 bytes.
const SESSION_SECRET = process.env.SOCIALCHAT_SESSION_SECRET || "";
if (Buffer.byteLength(SESSION_SECRET) < 32)
  fail("set SOCIALCHAT_SESSION_SECRET to the proxy's session secret (at least 32 bytes)");
// The webhook's own secret, whsec_<base64>, the same as the proxy's SOCIALCHAT_WEBHOOK_SECRET.
const WEBHOOK_SECRET = process.env.SOCIALCHAT_WEBHOOK_SECRET || "";
if (!WEBHOOK_SECRET.startsWith("whsec_")) fail("set SOCIALCHAT_WEBHOOK_SECRET to the proxy's webhook secret (whsec_…)");
let webhook;
try {
  webhook = new Webhook(WEBHOOK_SECRET);
} catch (e) {
  fail(`SOCIALCHAT_WEBHOOK_SECRET is not a valid whsec_<base64> secret: ${e.message}`);
}
const PROXY_URL = process.env.SOCIALCHAT_PROXY_URL || "http://127.0.0.1:8787/api/socialchat";
const PROXY_ORIGIN = new URL(PROXY_URL, "http://same-origin.invalid").origin; // a path: 'self'
const BUNDLE = path.resolve(process.env.SOCIALCHAT_BUNDLE || path.join(HERE, "../../target/bundle/socialchat"));
const DATABASE = path.resolve(process.env.DATABASE || path.join(HERE, "partner.sqlite3"));
const key = new TextEncoder().encode(SESSION_SECRET);

// What the widget needs (the book, "Embedding": Content-Security-Policy): wasm, calls and pictures from the
// proxy, account pictures from Facebook's CDN (https:), WhatsApp QR codes (data:). No inline
// script or style anywhere, so 'unsafe-inline' is not needed.
const proxySource = PROXY_ORIGIN === "http://same-origin.invalid" ? "" : ` ${PROXY_ORIGIN}`;
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  `connect-src 'self'${proxySource}`,
  `img-src 'self' https: data:${proxySource}`,
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

// ---- The database: users, their sign-ins, the channels they own, the webhooks seen --------
const db = new sqlite.Database(DATABASE);
db.exec(`
  CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
  -- The cookie holds a random id; only its SHA-256 is stored.
  CREATE TABLE IF NOT EXISTS sign_ins (id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
                                       expires_at INTEGER NOT NULL);
  -- One row per channel _id: the receipt and the webhook both tell of it, whichever comes first.
  CREATE TABLE IF NOT EXISTS channels (_id TEXT PRIMARY KEY, sub TEXT NOT NULL, kind TEXT NOT NULL, name TEXT,
                                       first_seen_by TEXT NOT NULL CHECK (first_seen_by IN ('receipt', 'webhook')),
                                       created_at INTEGER NOT NULL);
  -- Deliveries are at least once: a webhook-id already here is acknowledged and skipped.
  CREATE TABLE IF NOT EXISTS webhook_events (id TEXT PRIMARY KEY, type TEXT NOT NULL, received_at INTEGER NOT NULL);
`);
process.on("SIGINT", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
process.on("exit", () => db.close());

const now = () => Math.floor(Date.now() / 1000);
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

/** Records that `sub` owns channel `_id` (the first owner stays; a later name fills in). */
function recordChannel({ _id, sub, kind, name = null, seenBy }) {
  db.run(
    `INSERT INTO channels (_id, sub, kind, name, first_seen_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (_id) DO UPDATE SET name = COALESCE(excluded.name, channels.name)`,
    [_id, sub, kind, name, seenBy, now()],
  );
}
const channelsOf = (userId) =>
  db.all("SELECT _id, kind, name FROM channels WHERE sub = ? ORDER BY created_at, _id", [userId]);

// ---- Sign-in (a demo: anyone may be anyone) ------------------------------------------------
const COOKIE = "partner_sid";
function currentUser(req) {
  const cookie = (req.headers.cookie || "").split(/;\s*/).find((c) => c.startsWith(`${COOKIE}=`));
  if (!cookie) return null;
  return db.get(
    "SELECT users.id, users.name FROM sign_ins JOIN users ON users.id = sign_ins.user_id WHERE id_hash = ? AND expires_at > ?",
    [sha256(cookie.slice(COOKIE.length + 1)), now()],
  );
}
function signIn(name, res) {
  db.run("INSERT INTO users (id, name) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", [randomUUID(), name]);
  const user = db.get("SELECT id FROM users WHERE name = ?", [name]);
  const sid = randomBytes(32).toString("base64url");
  db.run("INSERT INTO sign_ins (id_hash, user_id, expires_at) VALUES (?, ?, ?)", [sha256(sid), user.id, now() + 7 * 86400]);
  // Behind HTTPS, add "; Secure".
  res.writeHead(303, { location: "/", "set-cookie": `${COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax; Max-Age=604800` }).end();
}

// ---- Pages -----------------------------------------------------------------------------------
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// The widget's loader is included once; app.js is the dashboard's own script.
const page = (title, body, scripts = "") => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/app.css">${scripts}
</head><body><main>
<h1>${title}</h1>
${body}
</main></body></html>`;
const signInPage = () =>
  page("Sign in", `<form method="post" action="/sign-in">
<label>Your name <input name="name" required maxlength="60" autocomplete="username"></label>
<button>Sign in</button>
<p class="note">A demo sign-in: any name signs you in as that user.</p>
</form>`);
const dashboard = (user) => {
  const attrs = `proxy="${escape(PROXY_URL)}" session-url="/api/me/socialchat-session" lang="en"`;
  const items = channelsOf(user.id).map((c) => `<li>${escape(c.name ?? c._id)} (${escape(c.kind)})</li>`);
  const scripts = `
<script type="module" src="/socialchat/socialchat-connect.js"></script>
<script type="module" src="/app.js"></script>`;
  return page("Partner dashboard", `<p>Signed in as ${escape(user.name)}</p>
<section><h2>Connect a channel</h2>
<socialchat-connect id="connect-instagram" channel="instagram" ${attrs} list-channels></socialchat-connect>
<socialchat-connect id="connect-whatsapp" channel="whatsapp" ${attrs}></socialchat-connect>
</section>
<section><h2>Your channels</h2>
<ul aria-label="Your channels">${items.join("")}</ul>
</section>`, scripts);
};

// ---- Helpers for requests and answers -------------------------------------------------------
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > limit) reject(Object.assign(new Error("too large"), { status: 413 }));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
const send = (res, status, body = "", type = "text/plain; charset=utf-8") =>
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" }).end(body);
const json = (res, status, value) => send(res, status, JSON.stringify(value), "application/json");

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
  ".wasm": "application/wasm", ".json": "application/json", ".png": "image/png" };
/** Serves a file of `root`: never one outside it (no "..", no NUL), never a folder. */
async function serveFile(res, root, urlPath) {
  let relative;
  try {
    relative = decodeURIComponent(urlPath);
  } catch {
    return send(res, 404, "Not found");
  }
  if (relative.includes("\0") || relative.split(/[\\/]/).includes("..")) return send(res, 404, "Not found");
  const file = path.join(root, relative);
  if (!file.startsWith(root + path.sep)) return send(res, 404, "Not found");
  try {
    const body = await readFile(file);
    // pkg/ holds content-hashed names that never change; everything else is checked each time.
    const immutable = file.startsWith(path.join(root, "pkg") + path.sep);
    res.writeHead(200, {
      "content-type": TYPES[path.extname(file)] || "application/octet-stream",
      "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      "x-content-type-options": "nosniff",
    });
    res.end(body);
  } catch {
    send(res, 404, "Not found");
  }
}

// ---- Routes ------------------------------------------------------------------------------------
async function route(req, res) {
  const { pathname } = new URL(req.url, "http://localhost");
  const what = `${req.method} ${pathname}`;
  res.setHeader("content-security-policy", CSP);
  res.setHeader("referrer-policy", "no-referrer");

  if (pathname.startsWith("/socialchat/") && req.method === "GET") return serveFile(res, BUNDLE, pathname.slice(12));
  if (what === "GET /app.js" || what === "GET /app.css") return serveFile(res, path.join(HERE, "public"), pathname);

  // ANCHOR: webhook
  if (what === "POST /webhooks/socialchat") {
    const raw = await readBody(req, 1024 * 1024);
    let event;
    try {
      event = webhook.verify(raw, req.headers); // the signature, and a timestamp within 5 minutes
    } catch {
      return send(res, 400, "Bad signature");
    }
    const id = req.headers["webhook-id"];
    db.exec("BEGIN");
    try {
      const fresh = db.run("INSERT INTO webhook_events (id, type, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [id, String(event.type), now()]).changes === 1;
      const { sub, kind, channel } = event.data ?? {};
      if (fresh && ["channel.connected", "channel.created"].includes(event.type) && channel?._id) {
        recordChannel({ _id: channel._id, sub, kind, name: channel.name ?? null, seenBy: "webhook" });
      }
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      throw e; // a 500: the proxy delivers it again later
    }
    return res.writeHead(204).end();
  }
  // ANCHOR_END: webhook

  if (what === "POST /sign-in") {
    const name = new URLSearchParams((await readBody(req, 4096)).toString()).get("name")?.trim();
    if (!name || name.length > 60) return send(res, 400, "A name, please (at most 60 characters).");
    return signIn(name, res);
  }
  const user = currentUser(req);
  if (what === "GET /") return send(res, 200, user ? dashboard(user) : signInPage(), TYPES[".html"]);
  if (!["GET /api/me/socialchat-session", "POST /api/me/socialchat-receipt", "GET /api/me/channels"].includes(what))
    return send(res, 404, "Not found");
  if (!user) return json(res, 401, { error: "sign in first" });

  // ANCHOR: session
  if (what === "GET /api/me/socialchat-session") {
    // Every kind this dashboard offers (a kind missing here makes its widget fail), and the
    // channels this user owns (they may see them in the list, and reconnect them).
    const session = await new SignJWT({ kinds: KINDS, channels: channelsOf(user.id).map((c) => c._id) })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setAudience("socialchat-connect")
      .setSubject(user.id)
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(key);
    return json(res, 200, { session });
  }
  // ANCHOR_END: session
  // ANCHOR: receipt
  if (what === "POST /api/me/socialchat-receipt") {
    let claims;
    try {
      const { receipt } = JSON.parse((await readBody(req, 16 * 1024)).toString());
      ({ payload: claims } = await jwtVerify(String(receipt), key, {
        audience: "socialchat-connect-receipt",
        algorithms: ["HS256"],
      }));
    } catch {
      return json(res, 400, { error: "not a valid receipt" });
    }
    if (claims.sub !== user.id) return json(res, 403, { error: "this receipt is another user's" });
    if (typeof claims._id !== "string" || !KINDS.includes(claims.kind)) return json(res, 400, { error: "not a valid receipt" });
    recordChannel({ _id: claims._id, sub: user.id, kind: claims.kind, seenBy: "receipt" });
    return json(res, 200, { _id: claims._id });
  }
  // ANCHOR_END: receipt
  return json(res, 200, channelsOf(user.id)); // GET /api/me/channels
}

createServer((req, res) => {
  route(req, res).catch((e) => {
    if (!e.status) console.error(e);
    if (!res.headersSent) send(res, e.status || 500, e.status ? "Too large" : "Internal error");
  });
}).listen(PORT, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${PORT}`));
