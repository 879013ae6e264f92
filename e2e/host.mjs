// A partner's dashboard for the end-to-end tests: a real HTTP server on its own origin that
// serves host pages embedding the widget exactly as the README says (one module script, the
// elements), the host page's own event recorder, and the callback page with its files (on the
// dashboard's origin, as partners host it). Every page carries a strict Content-Security-Policy,
// so any inline script or style the widget needed would show up as a violation.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { SignJWT } from "jose";
import { BUNDLE, ROOT, SEEDED_CHANNELS, SESSION_SECRET } from "./sandbox.mjs";

/**
 * The partner backend's session endpoint, written as a partner's Node backend would with the
 * `jose` library (not the proxy's): `GET /session?kinds=…&channels=…&ttl=…`. `expired=1` mints
 * one that has already expired; `expire_first=1` does so for the first call of a page only.
 * Every session it hands out is remembered, for the token-hygiene checks.
 */
export const minted = [];
const expiredOnce = new Set();
async function mintSession(url) {
  const list = (name, fallback) => (url.searchParams.get(name) ?? fallback).split(",").filter(Boolean);
  const now = Math.floor(Date.now() / 1000);
  const page = url.searchParams.get("page") || "";
  const expired =
    url.searchParams.get("expired") === "1" ||
    (url.searchParams.get("expire_first") === "1" && !expiredOnce.has(page) && expiredOnce.add(page));
  const claims = { kinds: list("kinds", "instagram,messenger") };
  const channels = list("channels", SEEDED_CHANNELS.join(","));
  if (channels.length) claims.channels = channels;
  const session = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setAudience("socialchat-connect")
    .setSubject(url.searchParams.get("sub") || "partner-user-1")
    .setIssuedAt(expired ? now - 900 : now)
    .setExpirationTime(expired ? now - 120 : now + Number(url.searchParams.get("ttl") || 600))
    .sign(new TextEncoder().encode(SESSION_SECRET));
  minted.push(session);
  return session;
}

const DIST = BUNDLE;
const EXAMPLES = path.join(ROOT, "examples");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };

const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

// The host page's own script: records the widget's events, as a partner's dashboard would.
const RECORDER = `
window.scGlobalsBefore = Object.getOwnPropertyNames(window);
window.scEvents = [];
for (const type of ["ready", "authorized", "connected", "cancelled", "error"]) {
  document.addEventListener("socialchat:" + type, (event) => {
    window.scEvents.push({ type: event.type, target: event.target.id, detail: event.detail });
  });
}
`;

/** Starts the host server; resolves with its origin and a page URL builder. */
export function startHost() {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://host");
    const csp = (files, api) =>
      [
        "default-src 'self'",
        `script-src 'self' ${files} 'wasm-unsafe-eval'`,
        `connect-src 'self' ${files} ${api}`,
        `img-src 'self' ${api} data:`,
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
      ].join("; ");
    if (url.pathname === "/dashboard") {
      // ?files=ORIGIN (where the widget's files are) &api=ORIGIN &widgets=[{attrs}, ...]
      const files = url.searchParams.get("files") || url.origin;
      const api = url.searchParams.get("api");
      const widgets = JSON.parse(url.searchParams.get("widgets") || "[{}]");
      const elements = widgets
        .map((attrs, n) => {
          // The partner's own endpoint, on the dashboard's origin, with the page's cookies.
          const all = { proxy: `${api}/api/socialchat`, "session-url": `/session?page=${n}-${Date.now()}`, ...attrs };
          const text = Object.entries(all)
            .filter(([, v]) => v !== false)
            .map(([k, v]) => (v === true ? k : `${k}="${escape(v)}"`))
            .join(" ");
          return `<socialchat-connect ${text}></socialchat-connect>`;
        })
        .join("\n");
      const sameOrigin = files === `http://${req.headers.host}`;
      const loader = `${escape(sameOrigin ? "" : files)}/socialchat-connect.js`;
      // ?twice=1: the loader included twice, once under another URL (a second module instance).
      const loaders = url.searchParams.get("twice")
        ? `<script type="module" src="${loader}"></script>\n<script type="module" src="${loader}?again"></script>`
        : `<script type="module" src="${loader}"></script>`;
      const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner dashboard</title>
<script src="/recorder.js"></script>
${loaders}
</head><body>${url.searchParams.get("bare") ? "" : "<h1>Partner dashboard</h1>"}
${elements}
</body></html>`;
      res.writeHead(200, {
        "content-type": TYPES[".html"],
        "content-security-policy": csp(sameOrigin ? "" : files, api),
        "cache-control": "no-store",
      });
      return res.end(html);
    }
    if (url.pathname === "/session") {
      const session = await mintSession(url);
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      return res.end(JSON.stringify({ session }));
    }
    if (url.pathname === "/recorder.js") {
      res.writeHead(200, { "content-type": TYPES[".js"] });
      return res.end(RECORDER);
    }
    // The framework examples, as Vite built them (scripts/examples): /examples/<name>/...
    const example = url.pathname.match(/^\/examples\/(react|vue|typescript)(\/.*)$/);
    const root = example ? path.join(EXAMPLES, example[1], "dist") : DIST;
    const file = path.normalize(path.join(root, example ? example[2] : url.pathname));
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(404);
      return res.end();
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[path.extname(file)] || "application/octet-stream",
        "content-security-policy": csp("", "http://127.0.0.1:*"),
        "referrer-policy": "no-referrer",
      });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const origin = `http://127.0.0.1:${server.address().port}`;
      resolve({
        origin,
        /** The dashboard URL for widgets served from `files`, talking to the proxy at `api`. */
        // `bare`: nothing on the page but the elements (their paint is the page's first).
        dashboard({ files = origin, api, widgets = [{}], twice = false, bare = false }) {
          const q = new URLSearchParams({ files, api, widgets: JSON.stringify(widgets) });
          if (twice) q.set("twice", "1");
          if (bare) q.set("bare", "1");
          return `${origin}/dashboard?${q}`;
        },
        /** A framework example's page (examples/<name>), talking to the proxy at `api`. */
        example(name, api) {
          const q = new URLSearchParams({ proxy: `${api}/api/socialchat`, "session-url": `/session?page=${name}-${Date.now()}` });
          return `${origin}/examples/${name}/index.html?${q}`;
        },
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}
