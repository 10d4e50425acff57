import { describe, expect, it } from 'vitest';
import { withoutTelnetCommands } from './telnet.js';

describe('telnet commands in received bytes', () => {
  it('drops negotiation and subnegotiation, keeps text and an escaped 0xFF', () => {
    const data = Buffer.from([
      0xff, 0xfb, 0x01, 0x72, 0x31, 0xff, 0xfa, 0x18, 0x00, 0x41, 0xff, 0xf0, 0x3e, 0xff, 0xff,
      0x0a,
    ]);
    expect([...withoutTelnetCommands(data)]).toEqual([0x72, 0x31, 0x3e, 0xff, 0x0a]);
  });
});
