import { defineConfig } from "vite";
import { shared } from "../dev-server.ts";

export default defineConfig({
  ...shared,
  // React 19's JSX: `onsocialchat:connected` is an attribute name with a colon, which React
  // itself accepts (it listens for the event named after `on`).
  oxc: { jsx: { runtime: "automatic", throwIfNamespace: false } },
});
