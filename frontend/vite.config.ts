import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

/** Writes .gz and .br beside each script and stylesheet: whitenoise serves them as they are. */
function precompress(): Plugin {
  return {
    name: "precompress",
    apply: "build",
    writeBundle(options, bundle) {
      for (const file of Object.keys(bundle)) {
        if (!/\.(js|css)$/.test(file)) continue;
        const path = join(options.dir!, file);
        const data = readFileSync(path);
        writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
        writeFileSync(`${path}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

// Assets are served by Django (whitenoise) under /static/; the boot view reads
// dist/.vite/manifest.json to find the hashed entry files.
export default defineConfig({
  base: "/static/",
  publicDir: "public",
  plugins: [precompress()],
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
