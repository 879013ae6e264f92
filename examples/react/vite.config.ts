import { defineConfig } from "vite";

export default defineConfig({
  // Relative URLs: the built page works under any path.
  base: "./",
  // React 19's JSX: `onsocialchat:connected` is an attribute name with a colon, which React
  // itself accepts (it listens for the event named after `on`).
  oxc: { jsx: { runtime: "automatic", throwIfNamespace: false } },
  build: { target: "es2022" },
});
