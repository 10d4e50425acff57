import type { AppRouter } from '@netauto/api';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';

/**
 * The API from the browser, on this origin: the session cookie (HttpOnly, SameSite=Lax)
 * goes with every call, and subscriptions use the browser's own EventSource, which
 * reconnects by itself and says which event it got last.
 */
export function browserApi() {
  const url = `${location.origin}/api/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url }),
        false: httpBatchLink({ url }),
      }),
    ],
  });
}

export type BrowserApi = ReturnType<typeof browserApi>;
