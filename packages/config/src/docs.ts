import { CREDENTIAL_SUFFIXES, SECTIONS } from './config.js';
import { READERS, type Section } from './define.js';

/** The README's table of variables sits between these two lines. */
export const TABLE_START =
  '<!-- config:variables:start (generated: pnpm --filter @netauto/config docs) -->';
export const TABLE_END = '<!-- config:variables:end -->';

function defaultOf(section: Section, name: string): string {
  const v = section.variables[name];
  if (!v) return '';
  if (v.shownDefault !== undefined) return v.shownDefault;
  const parsed = v.schema.safeParse(undefined);
  if (!parsed.success) return '';
  const value: unknown = parsed.data;
  // Defaults are strings, numbers or switches; anything else is shown through shownDefault.
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? `\`${String(value)}\``
    : '';
}

/** The rows of the table: one per variable, section by section, then the credentials. */
export function variableRows(): string[][] {
  const rows: string[][] = [];
  for (const section of Object.values(SECTIONS) as Section[]) {
    for (const [name, v] of Object.entries(section.variables)) {
      rows.push([
        `\`${name}\``,
        defaultOf(section, name),
        (v.readBy ?? section.readBy).map((r) => READERS[r]).join(', '),
        v.description,
      ]);
    }
  }
  rows.push([
    '`NETAUTO_<REF>_*`',
    '',
    [READERS.web, READERS.api, READERS.worker].join(', '),
    `The \`env:REF\` credential: ${CREDENTIAL_SUFFIXES.map((s) => `\`_${s}\``).join(', ')} (a password or a private key, its passphrase, an enable secret, and the networks and sites where it may be used, such as \`10.0.0.0/8,site=dc1\`).`,
  ]);
  return rows;
}

const HEADER = ['variable', 'default', 'read by', 'description'];

/** The table as Prettier lays out Markdown: every column padded to its widest cell. */
export function variablesTable(): string {
  const rows = [HEADER, ...variableRows()].map((r) => r.map((c) => c.replaceAll('|', '\\|')));
  const widths = HEADER.map((_, i) => Math.max(3, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [header = [], ...body] = rows;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The README with its table of variables replaced by the one the sections make. */
export function withVariablesTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end < start) {
    throw new Error(`README.md has no ${TABLE_START} … ${TABLE_END} markers`);
  }
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${variablesTable()}\n\n${readme.slice(end)}`;
}
