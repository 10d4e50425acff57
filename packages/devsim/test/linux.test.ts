import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commandNotFound, startLab, type Lab } from '../src/index.js';
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

describe('linux exec', () => {
  test('the fixed commands print what a Debian host prints, with exit status 0', async () => {
    expect(await exec(client, 'echo hello   "big  world"')).toEqual({
      stdout: 'hello big  world\n',
      stderr: '',
      code: 0,
    });
    // A value quoted for the shell (as template values are) prints as it was.
    expect((await exec(client, "echo 'it'\\''s a; test' x\\ y")).stdout).toBe("it's a; test x y\n");
    expect(await exec(client, 'uname')).toEqual({ stdout: 'Linux\n', stderr: '', code: 0 });
    expect((await exec(client, 'uname -a')).stdout).toBe(
      'Linux h1 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64 GNU/Linux\n',
    );
    expect((await exec(client, 'hostname')).stdout).toBe('h1\n');
    expect((await exec(client, 'cat /etc/hostname')).stdout).toBe('h1\n');
    expect((await exec(client, 'cat /etc/os-release')).stdout).toContain(
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
    );
    expect((await exec(client, 'cat /proc/version')).stdout).toMatch(
      /^Linux version 6\.1\.0-18-amd64 /,
    );
  });

  test('exit N gives exit status N; unknown commands say so on stderr with 127', async () => {
    expect(await exec(client, 'exit 3')).toEqual({ stdout: '', stderr: '', code: 3 });
    expect(await exec(client, 'exit 0')).toEqual({ stdout: '', stderr: '', code: 0 });
    expect(await exec(client, 'frobnicate --now')).toEqual({
      stdout: '',
      stderr: 'bash: frobnicate: command not found\n',
      code: 127,
    });
    expect(commandNotFound('frobnicate')).toBe('bash: frobnicate: command not found\n');
    expect(await exec(client, 'cat /nope')).toEqual({
      stdout: '',
      stderr: 'cat: /nope: No such file or directory\n',
      code: 1,
    });
  });

  test('false exits 1 and true 0, as in bash', async () => {
    expect(await exec(client, 'false')).toEqual({ stdout: '', stderr: '', code: 1 });
    expect(await exec(client, 'true')).toEqual({ stdout: '', stderr: '', code: 0 });
  });

  test('lists run in order with ; && and ||; the status is the last command run, exit N ends it', async () => {
    const uname = (await exec(client, 'uname -a')).stdout;
    expect(await exec(client, 'uname -a; exit 3')).toEqual({ stdout: uname, stderr: '', code: 3 });
    expect(await exec(client, 'exit 5; uname -a')).toEqual({ stdout: '', stderr: '', code: 5 });
    expect(await exec(client, 'false && echo no')).toEqual({ stdout: '', stderr: '', code: 1 });
    expect(await exec(client, 'false || echo yes')).toEqual({
      stdout: 'yes\n',
      stderr: '',
      code: 0,
    });
    expect(await exec(client, 'true && echo a; frob; echo "b;c"')).toEqual({
      stdout: 'a\nb;c\n',
      stderr: 'bash: frob: command not found\n',
      code: 0,
    });
    expect(await exec(client, 'echo x; frob')).toEqual({
      stdout: 'x\n',
      stderr: 'bash: frob: command not found\n',
      code: 127,
    });
    expect((await exec(client, 'hostname; yes | head -c 4')).stdout).toBe('h1\ny\ny\n');
  });

  test('yes | head -c N prints exactly N bytes of y and newline', async () => {
    const { stdout, code } = await exec(client, 'yes | head -c 1000001');
    expect(stdout).toHaveLength(1_000_001);
    expect(stdout.startsWith('y\ny\ny\n')).toBe(true);
    expect(stdout.endsWith('\ny')).toBe(true);
    expect(code).toBe(0);
  });

  test('sleep N waits N seconds and ends early when the channel closes', async () => {
    const started = Date.now();
    expect((await exec(client, 'sleep 0.3')).code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    const interrupted = await new Promise<number>((resolve, reject) => {
      client.exec('sleep 30', (err, channel) => {
        if (err) {
          reject(err);
          return;
        }
        const t0 = Date.now();
        channel.resume();
        setTimeout(() => {
          channel.close();
        }, 100);
        channel.on('close', () => {
          resolve(Date.now() - t0);
        });
      });
    });
    expect(interrupted).toBeLessThan(2000);
    expect(lab.device('h1').openConnections).toBe(1);
  });

  test('an interactive shell works too, with a bash-like prompt', async () => {
    const term = await shell(client);
    const banner = await term.until('netops@h1:~$ ');
    expect(banner).toMatch(/^Linux h1 6\.1\.0-18-amd64 /);
    term.send('hostname\r');
    expect(await term.until('netops@h1:~$ ')).toBe('hostname\r\nh1\r\nnetops@h1:~$ ');
    term.send('nope\r');
    expect(await term.until('netops@h1:~$ ')).toBe(
      'nope\r\nbash: nope: command not found\r\nnetops@h1:~$ ',
    );
    const exit = new Promise<number | null>((resolve) => term.channel.once('exit', resolve));
    term.send('exit 4\r');
    expect(await exit).toBe(4);
  });
});
