import { describe, expect, test } from 'vitest';
import { bulkLines, iosUptime } from './text.js';

describe('bulkLines', () => {
  test.each([
    [0, 1],
    [1, 2],
    [99, 1],
    [1_000_003, 2],
    [65_536 * 3, 1],
  ])('gives exactly %i bytes with %i-byte line ends', (bytes, eol) => {
    let total = 0;
    for (const chunk of bulkLines(bytes, eol, 'log')) {
      total += chunk.length + (eol - 1) * (chunk.match(/\n/g)?.length ?? 0);
      expect(chunk.length).toBeLessThan(80 * 1024);
    }
    expect(total).toBe(bytes);
  });
});

test('iosUptime spells the units as IOS does', () => {
  expect(iosUptime(59)).toBe('0 minutes');
  expect(iosUptime(366 * 86_400 + 8 * 86_400 + 3600 + 60)).toBe(
    '1 year, 1 week, 2 days, 1 hour, 1 minute',
  );
});
