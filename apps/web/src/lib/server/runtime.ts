import type { NetAutoRuntime } from '@netauto/api';

// The server entry (src/server/start.ts) starts NetAuto and hands it to the SvelteKit
// bundle through this slot: the two are built apart, so they share it on globalThis.
const SLOT = Symbol.for('netauto.web.runtime');

interface Slot {
  [SLOT]?: NetAutoRuntime | Promise<NetAutoRuntime>;
}

export function setRuntime(runtime: NetAutoRuntime): void {
  (globalThis as Slot)[SLOT] = runtime;
}

/**
 * The running NetAuto. Under `vite dev` nothing has started it, so the first request
 * starts one in this process.
 */
export function getRuntime(
  startForDev?: () => Promise<NetAutoRuntime>,
): NetAutoRuntime | Promise<NetAutoRuntime> {
  const slot = globalThis as Slot;
  const current = slot[SLOT];
  if (current) return current;
  if (!startForDev) throw new Error('NetAuto has not been started in this process');
  const starting = startForDev();
  slot[SLOT] = starting;
  return starting;
}
