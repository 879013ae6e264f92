// The benchmarks' static server: the release bundle (target/bundle/socialchat) at the root,
// the bench pages under /bench/, scripts/bundle's manifest at /manifest.json. Shared by
// widget.mjs (Chromium, DevTools) and engines.mjs (every engine, WebDriver).
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
