import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";
import { shared } from "../dev-server.ts";

export default defineConfig({
  ...shared,
  plugins: [
    // <socialchat-connect> is the browser's element, not a Vue component.
    vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === "socialchat-connect" } } }),
  ],
});
