import { defineConfig } from "vite";
import { shared } from "../dev-server";

export default defineConfig(shared);
