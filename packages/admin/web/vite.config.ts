import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "/admin/",
  plugins: [react()],
  build: { emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  logLevel: "warn",
});
