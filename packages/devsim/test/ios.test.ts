import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  commandOutput,
  MORE_ERASE,
  MORE_MARKER,
  PERSONALITIES,
  startLab,
  type Lab,
  type SimDeviceSpec,
} from '../src/index.js';
import { connect, shell, type Term } from './helpers.js';

const R1: SimDeviceSpec = { hostname: 'r1', platform: 'cisco_ios' };
const ios = PERSONALITIES.cisco_ios;
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({
    devices: [R1, { hostname: 'r2', platform: 'cisco_ios', runningConfigLines: 500 }],
  });
});
afterAll(() => lab.stop());

/** Logs in to r1 and waits for the first prompt. */
async function login(
  hostname = 'r1',
  pty = true,
): Promise<{ term: Term; banner: string; end: () => void }> {
  const client = await connect(lab.device(hostname));
  const term = await shell(client, pty);
  const banner = await term.until(ios.prompt(hostname, 'netops'));
  return { term, banner, end: () => client.end() };
}

async function enable(term: Term): Promise<void> {
  term.send('enable\r');
  await term.until('Password: ');
  term.send('enable-pass\r');
  await term.until('\r\nr1#');
}

describe('cisco_ios', () => {
  test('login shows the banner, then the user prompt r1>', async () => {
    const { banner, end } = await login();
    expect(banner).toContain('r1: authorised access only.');
    expect(banner.endsWith('\r\n\r\nr1>')).toBe(true);
    end();
  });

  test('enable asks for the secret without echoing it and gives r1#; a wrong one is refused', async () => {
    const { term, end } = await login();
    term.send('enable\r');
    expect(await term.until('Password: ')).toBe('enable\r\nPassword: ');
    term.send('wrong\r');
    expect(await term.until('r1>')).toBe('\r\n% Access denied\r\n\r\nr1>');
    term.send('enable\r');
    await term.until('Password: ');
    term.send('enable-pass\r');
    expect(await term.until('r1#')).toBe('\r\nr1#');
    term.send('disable\r');
    expect(await term.until('r1>')).toBe('disable\r\nr1>');
    end();
  });

  test('paging is on at login: --More-- pauses, space shows the next page, q stops', async () => {
    const { term, end } = await login();
    term.send('show version\r');
    const first = await term.until(MORE_MARKER);
    expect(first.split('\r\n')).toHaveLength(1 + 23 + 1); // echo, 23 lines, the marker's line
    term.send(' ');
    const rest = await term.until('\r\nr1>');
    expect(rest.startsWith(MORE_ERASE)).toBe(true);
    const whole =
      first.slice('show version\r\n'.length, -MORE_MARKER.length) +
      rest.slice(MORE_ERASE.length, -'r1>'.length);
    expect(whole.replace(/\r\n/g, '\n')).toBe(
      await commandOutput(R1, 'show version', { privileged: false }),
    );

    await enable(term);
    term.send('show running-config\r');
    await term.until(MORE_MARKER);
    term.send('q');
    expect(await term.until('r1#')).toBe(`${MORE_ERASE}r1#`);
    end();
  });

  test('Enter at --More-- shows one more line', async () => {
    const { term, end } = await login();
    term.send('show version\r');
    await term.until(MORE_MARKER);
    term.send('\r');
    const next = await term.until(MORE_MARKER);
    expect(next.startsWith(MORE_ERASE)).toBe(true);
    expect(next.slice(MORE_ERASE.length).split('\r\n')).toHaveLength(2);
    term.send('q');
    await term.until('r1>');
    end();
  });

  test('terminal length 0 turns paging off; terminal width 511 is accepted silently', async () => {
    const { term, end } = await login();
    term.send('terminal length 0\r');
    expect(await term.until('r1>')).toBe('terminal length 0\r\nr1>');
    term.send('terminal width 511\r');
    expect(await term.until('r1>')).toBe('terminal width 511\r\nr1>');
    term.send('show version\r');
    const out = await term.until('\r\nr1>');
    expect(out).not.toContain('--More--');
    expect(out).toContain('Configuration register is 0x2102');
    end();
  });

  test('show running-config needs privileged mode, and then has runningConfigLines lines', async () => {
    const { term, end } = await login('r2');
    term.send('show running-config\r');
    const err = await term.until('r2>');
    expect(err).toBe(
      `show running-config\r\n${' '.repeat('r2>show '.length)}^\r\n% Invalid input detected at '^' marker.\r\n\r\nr2>`,
    );
    term.send('enable\r');
    await term.until('Password: ');
    term.send('enable-pass\r');
    await term.until('r2#');
    term.send('terminal length 0\r');
    await term.until('r2#');
    term.send('show running-config\r');
    const config = (await term.until('\r\nr2#')).split('\r\n').slice(1, -1);
    expect(config).toHaveLength(500);
    expect(config.slice(0, 3)).toEqual([
      'Building configuration...',
      '',
      expect.stringMatching(/^Current configuration : \d+ bytes$/),
    ]);
    expect(config).toContain('hostname r2');
    expect(config).toContain('router ospf 1');
    expect(config).toContain('line vty 0 4');
    expect(config.at(-1)).toBe('end');
    end();
  });

  test('unknown commands print the caret under the bad word and IOS error text', async () => {
    const { term, end } = await login();
    term.send('show bogus\r');
    expect(await term.until('r1>')).toBe(
      `show bogus\r\n${' '.repeat(8)}^\r\n% Invalid input detected at '^' marker.\r\n\r\nr1>`,
    );
    term.send('frobnicate\r');
    expect(await term.until('r1>')).toBe(
      "frobnicate\r\n   ^\r\n% Invalid input detected at '^' marker.\r\n\r\nr1>",
    );
    expect(ios.errors.invalid('r1>', 'frobnicate', 0)).toBe(
      "   ^\n% Invalid input detected at '^' marker.\n\n",
    );
    term.send('show\r');
    expect(await term.until('r1>')).toBe('show\r\n% Incomplete command.\r\n\r\nr1>');
    term.send('sh clo\r');
    expect(await term.until('r1>')).toMatch(/^sh clo\r\n\d\d:\d\d:\d\d\.\d{3} UTC /);
    term.send('sh i\r');
    expect(await term.until('r1>')).toBe('sh i\r\n% Ambiguous command:  "sh i"\r\nr1>');
    end();
  });

  test('show ip interface brief and show clock are deterministic', async () => {
    const { term, end } = await login();
    term.send('show ip interface brief\r');
    const brief = await term.until('\r\nr1>');
    expect(brief.split('\r\n')[1]).toBe(
      'Interface              IP-Address      OK? Method Status                Protocol',
    );
    expect(brief).toContain('Loopback0');
    term.send('show clock\r');
    const clock = await term.until('\r\nr1>');
    expect(clock).toMatch(
      /^show clock\r\n\d\d:\d\d:\d\d\.\d{3} UTC (Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d{1,2} 20\d\d\r\nr1>$/,
    );
    expect(clock.split('\r\n')[1]).toBe((await commandOutput(R1, 'show clock')).trimEnd());
    end();
  });

  test('typing ahead, backspace, and a shell without a pty work like a terminal', async () => {
    const { term, end } = await login('r1', false);
    term.send('show clx\x7fock\rshow clock\r');
    const first = await term.until('\r\nr1>');
    expect(first.startsWith('show clx\b \bock\r\n')).toBe(true);
    await term.until('\r\nr1>');
    end();
  });

  test('configure terminal enters configuration mode with sub-mode prompts', async () => {
    const { term, end } = await login();
    await enable(term);
    term.send('configure terminal\r');
    expect(await term.until('r1(config)#')).toBe(
      'configure terminal\r\nEnter configuration commands, one per line.  End with CNTL/Z.\r\nr1(config)#',
    );
    term.send('interface GigabitEthernet0/0/1\r');
    await term.until('r1(config-if)#');
    term.send('end\r');
    await term.until('r1#');
    end();
  });

  test('exit closes the session', async () => {
    const { term } = await login();
    term.send('exit\r');
    await new Promise<void>((resolve) => term.channel.once('close', resolve));
    expect(term.closed).toBe(true);
  });

  test('show version is the same in two labs for the same hostname', async () => {
    const other = await startLab({ devices: [R1] });
    try {
      const read = async (l: Lab) => {
        const client = await connect(l.device('r1'));
        const term = await shell(client);
        await term.until('r1>');
        term.send('terminal length 0\rshow version\r');
        await term.until('r1>');
        const out = await term.until('\r\nr1>');
        client.end();
        return out;
      };
      const a = await read(lab);
      const b = await read(other);
      expect(a).toBe(b);
      expect(a).toMatch(/r1 uptime is .*minutes?\r\n/);
      expect(a).toMatch(/Processor board ID FDO\d{4}[A-Z0-9]{4}\r\n/);
    } finally {
      await other.stop();
    }
  });
});
