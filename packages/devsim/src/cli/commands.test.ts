import { describe, expect, test } from 'vitest';
import { matchCommand, type Command } from './commands.js';

const run = () => ({ out: '' });
const TABLE: Command<null>[] = [
  { words: ['show', 'version'], run },
  { words: ['show', 'vlan'], run },
  { words: ['show', 'ip', 'interface', 'brief'], run },
  { words: ['terminal', 'length'], args: { kind: 'number', min: 0, max: 512 }, run },
  { words: ['ping'], args: { kind: 'text', optional: false }, run },
];

describe('matchCommand', () => {
  test('takes unique abbreviations and exact words', () => {
    expect(matchCommand('sh ver', TABLE)).toMatchObject({ kind: 'ok', command: TABLE[0] });
    expect(matchCommand('  show ip int br ', TABLE)).toMatchObject({
      kind: 'ok',
      command: TABLE[2],
    });
    expect(matchCommand('term len 0', TABLE)).toMatchObject({ kind: 'ok', args: '0' });
    expect(matchCommand('ping 10.0.0.1 repeat 5', TABLE)).toMatchObject({
      kind: 'ok',
      args: '10.0.0.1 repeat 5',
    });
  });

  test('points at the first bad word', () => {
    expect(matchCommand('show bogus', TABLE)).toEqual({ kind: 'invalid', column: 5 });
    expect(matchCommand('show version extra', TABLE)).toEqual({ kind: 'invalid', column: 13 });
    expect(matchCommand('terminal length 999', TABLE)).toEqual({ kind: 'invalid', column: 16 });
    expect(matchCommand('bogus', TABLE)).toEqual({ kind: 'invalid', column: 0 });
  });

  test('tells incomplete, ambiguous and empty lines apart', () => {
    expect(matchCommand('show', TABLE)).toMatchObject({ kind: 'incomplete' });
    expect(matchCommand('terminal length', TABLE)).toMatchObject({ kind: 'incomplete' });
    expect(matchCommand('show v', TABLE)).toEqual({ kind: 'ambiguous', column: 5 });
    expect(matchCommand('   ', TABLE)).toEqual({ kind: 'empty' });
  });
});
