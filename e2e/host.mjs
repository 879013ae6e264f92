// A partner's dashboard for the end-to-end tests: a real HTTP server on its own origin that
// serves host pages embedding the widget exactly as the README says (one module script, the
// elements), the host page's own event recorder, and the callback page with its files (on the
// dashboard's origin, as partners host it). Every page carries a strict Content-Security-Policy,
// so any inline script or style the widget needed would show up as a violation.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { BUNDLE } from "./sandbox.mjs";

const DIST = BUNDLE;
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
        .map((attrs) => {
          const all = { proxy: `${api}/api/socialchat`, ...attrs };
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
</head><body><h1>Partner dashboard</h1>
${elements}
</body></html>`;
      res.writeHead(200, {
        "content-type": TYPES[".html"],
        "content-security-policy": csp(sameOrigin ? "" : files, api),
        "cache-control": "no-store",
      });
      return res.end(html);
    }
    if (url.pathname === "/recorder.js") {
      res.writeHead(200, { "content-type": TYPES[".js"] });
      return res.end(RECORDER);
    }
    // The partner bundle: the callback page and, for same-origin pages, the loader.
    const file = path.normalize(path.join(DIST, url.pathname));
    if (!file.startsWith(DIST + path.sep)) {
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
        dashboard({ files = origin, api, widgets = [{}], twice = false }) {
          const q = new URLSearchParams({ files, api, widgets: JSON.stringify(widgets) });
          if (twice) q.set("twice", "1");
          return `${origin}/dashboard?${q}`;
        },
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}
