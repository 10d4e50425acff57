import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter({ out: 'build' }),
    // Content-Security-Policy: scripts and styles from this origin (SvelteKit hashes its
    // own inline boot script), never framed, forms post only here.
    csp: {
      mode: 'hash',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self'],
        'img-src': ['self', 'data:'],
        'connect-src': ['self'],
        'font-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
      },
    },
    // SvelteKit refuses form posts from another origin (CSRF) by default; the tRPC
    // endpoint has its own check in hooks.server.ts.
  },
};
