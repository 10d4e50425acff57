import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PING_USAGE, PING_VERSION } from '../src/personalities/ping.js';
import { commandOutput, PERSONALITIES, startLab, type Lab } from '../src/index.js';
import { deviceContext } from '../src/device.js';
import { connect, exec, shell, type SshClient } from './helpers.js';

let lab: Lab;
let client: SshClient;

beforeAll(async () => {
  lab = await startLab({ devices: [{ hostname: 'h1', platform: 'linux' }] });
  client = await connect(lab.device('h1'));
});
afterAll(async () => {
  client.end();
  await lab.stop();
});

const STAMP = /^\[(\d+)\.(\d{6})\] /;

/** Runs `command` on an exec channel, noting when each line arrived (Date.now()). */
function timedLines(command: string): Promise<{ line: string; at: number }[]> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) {
        reject(err);
        return;
      }
      const lines: { line: string; at: number }[] = [];
      let carry = '';
      channel.on('data', (d: Buffer) => {
        const at = Date.now();
        const parts = (carry + d.toString('utf8')).split('\n');
        carry = parts.pop() ?? '';
        for (const line of parts) lines.push({ line, at });
      });
      channel.on('close', () => {
        resolve(lines);
      });
    });
  });
}

describe('ping', () => {
  test('refuses bad arguments with the messages and statuses of iputils', async () => {
    expect(await exec(client, 'ping')).toEqual({
      stdout: '',
      stderr: 'ping: usage error: Destination address required\n',
      code: 1,
    });
    expect(await exec(client, 'ping -c 0 h1')).toEqual({
      stdout: '',
      stderr: "ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807\n",
      code: 1,
    });
    expect(await exec(client, 'ping -c x h1')).toEqual({
      stdout: '',
      stderr: "ping: invalid argument: 'x'\n",
      code: 1,
    });
    expect(await exec(client, 'ping -i abc h1')).toEqual({
      stdout: '',
      stderr: 'ping: bad timing interval: abc\n',
      code: 2,
    });
    expect(await exec(client, 'ping -i 0.001 h1')).toEqual({
      stdout: '',
      stderr: 'ping: cannot flood; minimal interval allowed for user is 2ms\n',
      code: 2,
    });
    expect(await exec(client, 'ping -z h1')).toEqual({
      stdout: '',
      stderr: `ping: invalid option -- 'z'\n${PING_USAGE}`,
      code: 2,
    });
    expect(await exec(client, 'ping h1 -c')).toEqual({
      stdout: '',
      stderr: `ping: option requires an argument -- 'c'\n${PING_USAGE}`,
      code: 2,
    });
    expect(await exec(client, 'ping -c 1 nowhere.example')).toEqual({
      stdout: '',
      stderr: 'ping: nowhere.example: Name or service not known\n',
      code: 2,
    });
    expect(await exec(client, 'ping -V')).toEqual({ stdout: PING_VERSION, stderr: '', code: 0 });
  });

  test('prints the header, one reply per count and the statistics, as iputils does', async () => {
    const { stdout, stderr, code } = await exec(client, 'ping -c 3 -i 0.01 10.1.2.3');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('PING 10.1.2.3 (10.1.2.3) 56(84) bytes of data.');
    for (const seq of [1, 2, 3]) {
      expect(lines[seq]).toMatch(
        new RegExp(`^64 bytes from 10\\.1\\.2\\.3: icmp_seq=${seq} ttl=64 time=\\d+\\.\\d+ ms$`),
      );
    }
    expect(lines.slice(4)).toEqual([
      '',
      '--- 10.1.2.3 ping statistics ---',
      '3 packets transmitted, 3 received, 0% packet loss, time 20ms',
      expect.stringMatching(
        /^rtt min\/avg\/max\/mdev = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms$/,
      ),
      '',
    ]);
    // The host's own name resolves as Debian's /etc/hosts has it; -n prints addresses only.
    const own = await exec(client, 'ping -c1 h1');
    expect(own.stdout).toMatch(
      /^PING h1 \(127\.0\.1\.1\) 56\(84\) bytes of data\.\n64 bytes from h1 \(127\.0\.1\.1\): icmp_seq=1 /,
    );
    expect((await exec(client, 'ping -n -c 1 h1')).stdout).toMatch(
      /\n64 bytes from 127\.0\.1\.1: icmp_seq=1 /,
    );
    expect((await exec(client, 'ping -q -c 2 -i 0.01 h1')).stdout.split('\n')).toHaveLength(6);
  });

  test('-D stamps each reply with the wall-clock time it is written, one interval apart', async () => {
    const lines = await timedLines('ping -D -c 6 -i 0.05 h1');
    const replies = lines.filter((l) => l.line.includes('icmp_seq='));
    expect(replies).toHaveLength(6);
    const stamps = replies.map(({ line }) => {
      const m = STAMP.exec(line);
      if (!m) throw new Error(`no stamp in ${line}`);
      return Number(m[1]) * 1000 + Number(m[2]) / 1000;
    });
    // Rising, spread over the five intervals (a busy machine may delay one line and
    // bring the next closer, but never make the whole run shorter).
    for (let i = 1; i < stamps.length; i++) {
      expect(stamps[i] ?? 0).toBeGreaterThan(stamps[i - 1] ?? 0);
    }
    expect((stamps.at(-1) ?? 0) - (stamps[0] ?? 0)).toBeGreaterThanOrEqual(200);
    // Written when stamped: no line arrives before its stamp, and they arrive over time,
    // not all at the end.
    replies.forEach(({ at }, i) => {
      expect(at - (stamps[i] ?? 0)).toBeGreaterThanOrEqual(-2);
    });
    expect((replies.at(-1)?.at ?? 0) - (replies[0]?.at ?? 0)).toBeGreaterThanOrEqual(200);
    expect(lines.at(-2)?.line).toMatch(/^6 packets transmitted, 6 received, 0% packet loss/);
  });

  test('stops when the channel closes, and without -c runs until then', async () => {
    const lines = await new Promise<string[]>((resolve, reject) => {
      client.exec('ping -D -i 0.02 h1', (err, channel) => {
        if (err) {
          reject(err);
          return;
        }
        let out = '';
        channel.on('data', (d: Buffer) => {
          out += d.toString('utf8');
        });
        setTimeout(() => {
          channel.close();
        }, 200);
        channel.on('close', () => {
          resolve(out.split('\n'));
        });
      });
    });
    expect(lines.filter((l) => l.includes('icmp_seq=')).length).toBeGreaterThanOrEqual(5);
    expect(lines.join('\n')).not.toContain('statistics');
    expect(lab.device('h1').openConnections).toBe(1);

    // The output ends within one interval of the abort, with no statistics.
    const { device } = deviceContext({ hostname: 'h2', platform: 'linux' });
    const cli = PERSONALITIES.linux.createCli(device, 'exec');
    const controller = new AbortController();
    const reply = await cli.run('ping -i 0.5 10.0.0.1', {
      signal: controller.signal,
      eolBytes: 1,
    });
    const got: string[] = [];
    const started = Date.now();
    setTimeout(() => {
      controller.abort();
    }, 100);
    for await (const chunk of reply.out as AsyncIterable<string>) got.push(chunk);
    expect(Date.now() - started).toBeLessThan(400);
    expect(got).toHaveLength(2);
  });

  test('in a terminal the replies come line by line with \\r\\n, then the prompt', async () => {
    const term = await shell(client);
    await term.until('netops@h1:~$ ');
    term.send('ping -c 2 -i 0.05 10.0.0.9\r');
    const out = await term.until('netops@h1:~$ ');
    expect(out).toMatch(
      /^ping -c 2 -i 0\.05 10\.0\.0\.9\r\nPING 10\.0\.0\.9 \(10\.0\.0\.9\) 56\(84\) bytes of data\.\r\n64 bytes from 10\.0\.0\.9: icmp_seq=1 .*\r\n64 bytes from 10\.0\.0\.9: icmp_seq=2 .*\r\n\r\n--- 10\.0\.0\.9 ping statistics ---\r\n/,
    );
    term.channel.close();
  });

  test('commandOutput waits for the whole run; without -D the text is the same each time', async () => {
    const spec = { hostname: 'h3', platform: 'linux' } as const;
    const first = await commandOutput(spec, 'ping -c 3 -i 0.01 10.9.9.9');
    expect(first.split('\n')).toHaveLength(9);
    expect(await commandOutput(spec, 'ping -c 3 -i 0.01 10.9.9.9')).toBe(first);
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 50);
    const cut = await commandOutput(spec, 'ping -i 0.02 h3', { signal: controller.signal });
    expect(cut).toMatch(/^PING h3 \(127\.0\.1\.1\)/);
    expect(cut).not.toContain('statistics');
  });
});
