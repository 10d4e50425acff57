import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  commandOutput,
  EOS_PRIVILEGED_ONLY,
  JUNOS_MORE_MARKER,
  MORE_MARKER,
  PERSONALITIES,
  startLab,
  type Lab,
  type Platform,
} from '../src/index.js';
import { connect, shell, type Term } from './helpers.js';

let lab: Lab;
const HOSTS: Record<Exclude<Platform, 'cisco_ios' | 'linux'>, string> = {
  cisco_nxos: 'nx1',
  cisco_iosxr: 'xr1',
  arista_eos: 'eos1',
  juniper_junos: 'j1',
};

beforeAll(async () => {
  lab = await startLab({
    devices: Object.entries(HOSTS).map(([platform, hostname]) => ({
      hostname,
      platform: platform as Platform,
    })),
  });
});
afterAll(() => lab.stop());

async function login(hostname: string): Promise<{ term: Term; banner: string; end: () => void }> {
  const device = lab.device(hostname);
  const client = await connect(device);
  const term = await shell(client);
  const banner = await term.until(PERSONALITIES[device.spec.platform].prompt(hostname, 'netops'));
  return { term, banner, end: () => client.end() };
}

/** Runs a command and returns what came between the echo and the next prompt. */
async function run(term: Term, command: string, prompt: string, eol = '\r\n'): Promise<string> {
  term.send(`${command}${eol}`);
  const out = await term.until(`\n${prompt}`);
  expect(out.startsWith(`${command}\r\n`)).toBe(true);
  return out.slice(command.length + 2, out.length - prompt.length);
}

describe('cisco_nxos', () => {
  const prompt = 'nx1# ';
  test('logs in to the privileged prompt after the NX-OS banner', async () => {
    const { banner, end } = await login('nx1');
    expect(banner).toContain('Cisco Nexus Operating System (NX-OS) Software');
    expect(banner.endsWith('\r\nnx1# ')).toBe(true);
    expect(PERSONALITIES.cisco_nxos.prompt('nx1', 'netops')).toBe(prompt);
    end();
  });

  test('pages until terminal length 0; show version is the NX-OS flavour', async () => {
    const { term, end } = await login('nx1');
    term.send('show version\r');
    await term.until(MORE_MARKER);
    term.send('q');
    await term.until(prompt);
    expect(await run(term, 'terminal length 0', prompt)).toBe('');
    const version = await run(term, 'show version', prompt);
    expect(version).toContain('  NXOS: version ');
    expect(version).toContain('  Device name: nx1\r\n');
    expect(version.replace(/\r\n/g, '\n')).toBe(
      await commandOutput({ hostname: 'nx1', platform: 'cisco_nxos' }, 'show version'),
    );
    end();
  });

  test('errors as NX-OS prints them', async () => {
    const { term, end } = await login('nx1');
    expect(await run(term, 'show bogus', prompt)).toBe(
      `${' '.repeat(prompt.length + 5)}^\r\n% Invalid command at '^' marker.\r\n`,
    );
    end();
  });
});

describe('cisco_iosxr', () => {
  const prompt = 'RP/0/RP0/CPU0:xr1#';
  test('prompt, terminal length 0, timestamped IOS-XR show version', async () => {
    const { term, end } = await login('xr1');
    expect(await run(term, 'terminal length 0', prompt)).toBe('');
    const version = await run(term, 'show version', prompt);
    expect(version).toMatch(
      /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC\r\nCisco IOS XR Software, Version 7\./,
    );
    expect(version).toContain('System uptime is ');
    end();
  });

  test('errors as IOS-XR prints them', async () => {
    const { term, end } = await login('xr1');
    expect(await run(term, 'show bogus', prompt)).toBe(
      `${' '.repeat(prompt.length + 5)}^\r\n% Invalid input detected at '^' marker.\r\n`,
    );
    end();
  });
});

describe('arista_eos', () => {
  test('r1> then enable with the secret to r1#; EOS errors', async () => {
    const { term, end } = await login('eos1');
    expect(await run(term, 'show bogus', 'eos1>')).toBe('% Invalid input\r\n');
    expect(await run(term, 'show running-config', 'eos1>')).toBe(
      EOS_PRIVILEGED_ONLY.replace('\n', '\r\n'),
    );
    term.send('enable\r');
    await term.until('Password: ');
    term.send('enable-pass\r');
    await term.until('\r\neos1#');
    term.send('show running-config\r');
    await term.until(MORE_MARKER);
    term.send(' ');
    await term.until(MORE_MARKER);
    term.send('q');
    await term.until('eos1#');
    expect(await run(term, 'terminal length 0', 'eos1#')).toBe('');
    const version = await run(term, 'show version', 'eos1#');
    expect(version).toMatch(/^Arista DCS-/);
    expect(version).toMatch(/Serial number: JPE\d{8}\r\n/);
    const config = await run(term, 'show running-config', 'eos1#');
    expect(config.split('\r\n')).toHaveLength(200 + 1);
    end();
  });
});

describe('juniper_junos', () => {
  const prompt = 'netops@j1> ';
  test('prompt user@host> with a space, ---(more)--- paging, | no-more, screen-length 0', async () => {
    const { banner, term, end } = await login('j1');
    expect(banner).toMatch(/^--- JUNOS \S+ built /);
    term.send('show configuration\n');
    await term.until(JUNOS_MORE_MARKER);
    term.send('q');
    await term.until(prompt);
    const terse = await run(term, 'show interfaces terse | no-more', prompt, '\n');
    expect(terse).not.toContain('---(more)---');
    expect(terse.split('\r\n')[0]).toBe(
      'Interface               Admin Link Proto    Local                 Remote',
    );
    expect(terse.endsWith('\r\n\r\n')).toBe(true);
    expect(await run(term, 'set cli screen-length 0', prompt, '\n')).toBe(
      'Screen length set to 0\r\n\r\n',
    );
    const config = await run(term, 'show configuration', prompt, '\n');
    expect(config.split('\r\n')).toHaveLength(200 + 2);
    expect(config).toContain('    host-name j1;\r\n');
    const version = await run(term, 'show version', prompt, '\n');
    expect(version).toMatch(/^Hostname: j1\r\nModel: \S+\r\nJunos: \S+\r\n/);
    end();
  });

  test('errors as Junos prints them', async () => {
    const { term, end } = await login('j1');
    expect(await run(term, 'frobnicate', prompt, '\n')).toBe(
      `${' '.repeat(prompt.length)}^\r\nunknown command.\r\n\r\n`,
    );
    expect(await run(term, 'show bogus', prompt, '\n')).toBe(
      `${' '.repeat(prompt.length + 5)}^\r\nsyntax error, expecting <command>.\r\n\r\n`,
    );
    end();
  });

  test('configure / commit / exit', async () => {
    const { term, end } = await login('j1');
    term.send('configure\n');
    expect(await term.until('netops@j1# ')).toBe(
      'configure\r\nEntering configuration mode\r\n\r\n[edit]\r\nnetops@j1# ',
    );
    term.send('set system host-name j1-new\n');
    await term.until('netops@j1# ');
    term.send('commit\n');
    expect(await term.until('netops@j1# ')).toBe(
      'commit\r\ncommit complete\r\n\r\n[edit]\r\nnetops@j1# ',
    );
    term.send('exit\n');
    await term.until(prompt);
    end();
  });
});

test('every network platform sizes its configuration to runningConfigLines exactly', async () => {
  const cases: [Platform, string, number][] = [
    ['cisco_ios', 'show running-config', 0],
    ['cisco_nxos', 'show running-config', 0],
    ['cisco_iosxr', 'show running-config', 1], // the timestamp line
    ['arista_eos', 'show running-config', 0],
    ['juniper_junos', 'show configuration', 1], // the blank line before the prompt
  ];
  for (const [platform, command, extra] of cases) {
    for (const lines of [80, 200, 1234]) {
      const out = await commandOutput(
        { hostname: `cfg-${platform}`, platform, runningConfigLines: lines },
        command,
      );
      expect(out.split('\n').length - 1, `${platform} ${lines}`).toBe(lines + extra);
    }
  }
});
