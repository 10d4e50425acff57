// Last-resort cleanup: when this test process ends or is told to stop (Ctrl-C, or the
// test runner ending its worker with SIGTERM), what the scenarios started goes with it.
const cleanups = new Set<() => void>();

/** Registers a synchronous cleanup for an abrupt end; returns its removal. */
export function onAbandon(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

function runAll() {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: the others still run.
    }
  }
  cleanups.clear();
}

process.once('exit', runAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    runAll();
    // Then end as the signal would have without a listener (the test runner replaces
    // process.exit in its workers).
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}
