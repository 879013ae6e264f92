// What the browser benchmarks share: the static server (the release bundle at the root, the
// bench pages under /bench/, scripts/bundle's manifest at /manifest.json) and the report's
// lines. Used by widget.mjs (Chromium, DevTools) and engines.mjs (every engine, WebDriver).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { BUNDLE, ROOT } from "../e2e/sandbox.mjs";

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };

/** Starts the server; resolves with its origin and `close()`. */
export async function serveBench() {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const base = url.pathname.startsWith("/bench/") ? ROOT : BUNDLE;
    const file = url.pathname === "/manifest.json"
      ? path.join(BUNDLE, "..", "manifest.json")
      : path.normalize(path.join(base, url.pathname));
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { origin: `http://127.0.0.1:${server.address().port}`, server, close: () => server.close() };
}

/** One figure: its name, padded, then its value. */
export const out = (name, value, unit = "") => console.log(`${name.padEnd(58)} ${value}${unit ? " " + unit : ""}`);
/** A budget's PASS or FAIL line. */
export const verdict = (ok, what) => console.log(`${ok ? "PASS" : "FAIL"} ${what}`);
/** The `q` quantile of `xs` (0.5: the median). */
export const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
export const ms = (x) => x.toFixed(1);
