import type { Migration } from './types.js';

const BEFORE = `'connect_timeout','unreachable','auth_failed','host_key_mismatch','host_key_unknown','missing_secret','command_timeout','connection_lost','device_rejected_command','output_limit','canceled','worker_lost'`;
const AFTER = `${BEFORE},'nonzero_exit','credential_out_of_scope'`;

/**
 * Two more reasons a run can fail: its command exited non-zero, or its credential may
 * not be used for its device's address or site.
 */
export const runErrorReasons: Migration = {
  name: '0009-run-error-reasons',
  async up({ context: sql }) {
    await sql(`
      ALTER TABLE runs DROP CONSTRAINT runs_error_reason_check;
      ALTER TABLE runs ADD CONSTRAINT runs_error_reason_check CHECK (error_reason IN (${AFTER}));
    `);
  },
  async down({ context: sql }) {
    await sql(`
      ALTER TABLE runs DROP CONSTRAINT runs_error_reason_check;
      ALTER TABLE runs ADD CONSTRAINT runs_error_reason_check CHECK (error_reason IN (${BEFORE})) NOT VALID;
    `);
  },
};
