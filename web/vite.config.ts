import { defineConfig } from 'vite';

// Preact's JSX through esbuild: no Babel, no plugin. Everything is bundled into dist/ (no CDN).
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 200 },
});
