import { describe, expect, it } from 'vitest';
import { resilient } from '../src/follow.js';

describe('following through lost connections', () => {
  it('gives up on a server that accepts the stream and fails again and again', async () => {
    let attempts = 0;
    const said: string[] = [];
    const started = Date.now();
    const outcome = await resilient<string>(
      {
        giveUpAfterMs: 1000,
        onInterrupted: () => said.push('lost'),
        onResumed: () => said.push('resumed'),
      },
      ({ onStarted, onError }) => {
        attempts += 1;
        // Accepted, then failed at once, with an error worth retrying.
        setTimeout(() => {
          onStarted();
          onError(new Error('the server failed the stream'));
        }, 1);
        return { unsubscribe: () => undefined };
      },
    ).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    expect(outcome).toMatch(/stayed unreachable|failed the stream/);
    expect(attempts).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(said[0]).toBe('lost');
  });

  it('ends an outage once a connection holds, and then says it resumed', async () => {
    let attempts = 0;
    const said: string[] = [];
    const value = await resilient<string>(
      { onInterrupted: () => said.push('lost'), onResumed: () => said.push('resumed') },
      ({ onStarted, onError, settle }) => {
        attempts += 1;
        const mine = attempts;
        setTimeout(() => {
          if (mine === 1) onError(new Error('dropped'));
          else {
            onStarted();
            settle({ kind: 'done', value: 'all of it' });
          }
        }, 1);
        return { unsubscribe: () => undefined };
      },
    );
    expect(value).toBe('all of it');
    expect(said).toEqual(['lost', 'resumed']);
  });
});
