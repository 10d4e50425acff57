import type { Migration } from './types.js';

/**
 * Output hashes are SHA-256 now (hashed faster than md5 by the worker): the md5 ones
 * are forgotten, and a bulk's summary computes them again, so that runs of one bulk
 * before and after the change group together.
 */
export const outputHashSha256: Migration = {
  name: '0008-output-hash-sha256',
  async up({ context: sql }) {
    await sql(`UPDATE runs SET output_hash = NULL WHERE length(output_hash) = 32`);
  },
  async down({ context: sql }) {
    await sql(`UPDATE runs SET output_hash = NULL WHERE length(output_hash) = 64`);
  },
};
