import { defineConfig } from "vite";
import { shared } from "../dev-server.ts";

export default defineConfig(shared);
