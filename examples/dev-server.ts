// What the three examples' Vite configurations share: how a bundler app serves the widget's
// own files, and how its dev server reaches the partner proxy (here the sandbox).
import type { UserConfig } from "vite";

// The sandbox (or a partner proxy) the dev server forwards to: `socialchat-proxy sandbox`
// listens on 127.0.0.1:8787 unless told otherwise.
const proxy = process.env.SOCIALCHAT_PROXY_ORIGIN ?? "http://127.0.0.1:8787";

export const shared: UserConfig = {
  // Relative URLs: the built page works under any path.
  base: "./",
  // The package's folder is the public folder: Vite serves its callback page
  // (/callback.html, the URL to give the proxy's --callback-url) and pkg/ as they are, and
  // copies them into dist/ on build, on the dashboard's own origin as the callback page must be.
  publicDir: "../node_modules/socialchat-connect",
  // The loader fetches pkg/ relative to its own URL: pre-bundling would move it away from it.
  optimizeDeps: { exclude: ["socialchat-connect"] },
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
    proxy: {
      // changeOrigin stays false (Vite's default, written out on purpose): the proxy lets a
      // browser's POST in when its Origin is the Host it was sent to, or is listed in
      // --allow-origin. changeOrigin: true rewrites Host, and the last step of a connect (its
      // POST, after Facebook and the picker) gets 403 "this origin may not call the proxy".
      "/api/socialchat": { target: proxy, changeOrigin: false },
      // The sandbox's stand-in for your backend's session endpoint (a real app has its own).
      "/api/me/socialchat-session": {
        target: proxy,
        changeOrigin: false,
        rewrite: () => "/sandbox/session?sub=vite-dev&channels=all",
      },
    },
  },
  build: { target: "es2022" },
};
