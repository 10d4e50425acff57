import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the built client', () => {
  it('carries no server code: it imports nothing from api, db, observability, device-access or worker', () => {
    const dist = path.resolve(import.meta.dirname, '../dist');
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.js'),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const code = readFileSync(path.join(dist, file), 'utf8');
      const imports = [...code.matchAll(/(?:from\s*|import\s*\(?\s*)['"]([^'"]+)['"]/g)].map(
        (m) => m[1],
      );
      expect(
        imports.filter((i) =>
          /@netauto\/(api|db|observability|device-access|worker)/.test(i ?? ''),
        ),
        file,
      ).toEqual([]);
    }
  });
});
