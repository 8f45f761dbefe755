import { defineConfig } from "vitest/config";

// Assets are served by Django (whitenoise) under /static/; the boot view reads
// dist/.vite/manifest.json to find the hashed entry files.
export default defineConfig({
  base: "/static/",
  publicDir: "public",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    target: "es2022",
    rolldownOptions: { input: { app: "src/main.tsx", sw: "src/sw.ts" } },
  },
  test: { environment: "node", include: ["test/**/*.test.ts"] },
});
