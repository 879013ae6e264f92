// Lighthouse (npm, pinned in bench/package.json; Debian's Chromium) on a plain page with one
// <socialchat-connect>, served with the partner bundle by `socialchat-proxy --static` (the
// sandbox's, which serves .br and .gz by Accept-Encoding), as a partner would serve it.
// Lighthouse's default: a mobile phone on simulated slow 4G. Three runs; the median is judged
// against Lighthouse's "good": performance at least 0.95, Largest Contentful Paint at most 2.5 s.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { out, quantile, verdict } from "./serve.mjs";
import { BUNDLE, startSandbox } from "../e2e/sandbox.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LIGHTHOUSE = path.join(HERE, "node_modules/.bin/lighthouse");
const RUNS = Number(process.env.BENCH_LIGHTHOUSE_RUNS || 3);

const site = mkdtempSync(path.join(tmpdir(), "sc-lighthouse-"));
cpSync(BUNDLE, site, { recursive: true });
writeFileSync(path.join(site, "index.html"), `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="A dashboard page with one socialchat-connect element.">
<title>Connect a channel</title>
<script type="module" src="./socialchat-connect.js"></script>
</head>
<body>
<main>
<socialchat-connect proxy="/api/socialchat" session-url="/sandbox/session?channels=all" lang="en"></socialchat-connect>
</main>
</body>
</html>
`);
const sandbox = await startSandbox(["--static", site]);

function lighthouse(url) {
  return new Promise((resolve, reject) => {
    execFile(LIGHTHOUSE, [url, "--quiet", "--only-categories=performance", "--output=json", "--output-path=stdout",
      "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
    { env: { ...process.env, CHROME_PATH: "/usr/bin/chromium" }, maxBuffer: 64 * 1024 * 1024 },
    (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))));
  });
}

try {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const report = await lighthouse(`${sandbox.origin}/index.html`);
    runs.push({
      score: report.categories.performance.score,
      lcp: report.audits["largest-contentful-paint"].numericValue,
      bytes: report.audits["total-byte-weight"].numericValue,
      version: report.lighthouseVersion,
    });
  }
  const score = quantile(runs.map((r) => r.score), 0.5);
  const lcp = quantile(runs.map((r) => r.lcp), 0.5);
  out(`Lighthouse ${runs[0].version}, mobile, simulated slow 4G: runs (score / LCP ms)`, runs.map((r) => `${r.score.toFixed(2)} / ${Math.round(r.lcp)}`).join(", "));
  out("Lighthouse performance score (median)", score.toFixed(2));
  out("Lighthouse Largest Contentful Paint (median)", (lcp / 1000).toFixed(2), "s");
  out("Lighthouse total bytes transferred (median)", `${Math.round(quantile(runs.map((r) => r.bytes), 0.5) / 1024)}`, "KiB");
  verdict(score >= 0.95, `Lighthouse performance at least 0.95 (${score.toFixed(2)})`);
  verdict(lcp <= 2500, `Largest Contentful Paint at most 2.5 s (${(lcp / 1000).toFixed(2)} s)`);
} finally {
  sandbox.stop();
  rmSync(site, { recursive: true, force: true });
}
