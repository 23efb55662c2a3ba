import { readFileSync } from "node:fs";
import { join } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/**
 * Emits the service worker with the exact list of files that make the app shell, so a first visit
 * caches everything the app needs to open (and capture) offline.
 */
function serviceWorker(): Plugin {
  return {
    name: "notes-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((f) => !f.endsWith(".map"));
      const shell = ["./", "manifest.webmanifest", "icon.svg", ...files.filter((f) => f !== "index.html")];
      const template = readFileSync(join(import.meta.dirname, "src", "sw-template.js"), "utf8");
      const version = Buffer.from(files.sort().join("|")).toString("base64url").slice(-16);
      this.emitFile({
        type: "asset",
        fileName: "sw.js",
        source: template
          .replace("__SHELL__", JSON.stringify(shell))
          .replace("__VERSION__", JSON.stringify(version)),
      });
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: "/notes/",
  plugins: [react(), serviceWorker()],
  build: { emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  logLevel: "warn",
});
