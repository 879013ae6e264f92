import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

export default defineConfig({
  base: "./",
  plugins: [
    // <socialchat-connect> is the browser's element, not a Vue component.
    vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === "socialchat-connect" } } }),
  ],
  build: { target: "es2022" },
});
