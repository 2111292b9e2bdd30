import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The console is plain static files in dist/, served by the control plane at `/` with an SPA
 * fallback. `npm run dev -w @devflow/web` proxies the API to a control plane you started
 * yourself (DEVFLOW_API, default http://127.0.0.1:3000).
 */
const api = process.env.DEVFLOW_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': api, '/agent': api, '/healthz': api } },
});
