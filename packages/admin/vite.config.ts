import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The platform serves dist/ at /admin with an SPA fallback, so every asset URL must carry that prefix.
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npm run dev -w packages/admin` proxies the API to a platform started with `npm start`.
    proxy: { '/api': process.env.JIYUE_API_URL ?? 'http://127.0.0.1:8080' },
  },
});
