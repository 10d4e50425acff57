import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// The server-side workspace packages stay external: bundled, Sequelize's CommonJS code
// crashes in an ES module ("require is not defined").
const SERVER_PACKAGES = [
  '@netauto/api',
  '@netauto/observability',
  '@netauto/devsim',
  '@netauto/schema',
];

export default defineConfig({
  plugins: [sveltekit()],
  ssr: { external: SERVER_PACKAGES },
});
