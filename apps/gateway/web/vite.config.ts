import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` serves the portal on :5173 and sends API calls to a running gateway
// (make run: 127.0.0.1:21100). The production build goes to dist/, which the gateway serves.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": { target: process.env.REGISTRAR_GATEWAY ?? "http://127.0.0.1:21100", changeOrigin: false },
    },
  },
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 600 },
});
