import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, repositories } from '@netauto/db';
import { factories } from '@netauto/db/testing';
import { renderTemplate } from '@netauto/schema';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  DeviceAccess,
  type DeviceTarget,
  HostKeys,
  type RunError,
  Secrets,
} from '@netauto/device-access';
import { executeRun } from '../src/run-job.js';
import { useTestDatabase } from './db.js';

const SSHD = '/usr/sbin/sshd';

/**
 * A real OpenSSH server on a loopback port, with a throwaway user and key, for the
 * linux platform. `.ci/run` installs Debian's openssh-server when it is missing.
 */
async function startOpenSsh() {
  const dir = mkdtempSync(path.join(tmpdir(), 'netauto-sshd-'));
  const user = `nat${process.pid}${Date.now().toString(36).slice(-4)}`;
  const port = await freePort();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'client_key')]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')));
  // sshd reads authorized_keys as the user: the folder must be open to it.
  chmodSync(dir, 0o755);
  // '*' : no password, yet not a locked account (sshd refuses locked ones).
  execFileSync('useradd', ['-M', '-d', dir, '-s', '/bin/sh', '-p', '*', user]);
  execFileSync('mkdir', ['-p', '/run/sshd']);
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      `AllowUsers ${user}`,
    ].join('\n') + '\n',
  );
  const sshd: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`sshd did not start: ${log}`));
    }, 10_000);
    sshd.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('Server listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    sshd.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${String(code)}: ${log}`));
    });
  });
  return {
    port,
    user,
    privateKey: readFileSync(path.join(dir, 'client_key'), 'utf8'),
    async stop() {
      const exited = new Promise((resolve) => sshd.once('exit', resolve));
      sshd.kill('SIGTERM');
      await exited;
      // Sessions of the user may still be ending: -f removes it all the same.
      execFileSync('userdel', ['-f', user]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('the linux platform against a real OpenSSH server', async () => {
  const { db } = await useTestDatabase();
  const server = await startOpenSsh();
  afterAll(() => server.stop());

  const access = new DeviceAccess(
    new Secrets(db, {
      env: { NETAUTO_OSSH_PRIVKEY: server.privateKey, NETAUTO_OSSH_ALLOW: '127.0.0.0/8,::1' },
    }),
    new HostKeys(db, 'tofu'),
    { connectMs: 5000, commandMs: 10_000, maxBytes: 1024 * 1024, telnet: false },
  );
  const device: DeviceTarget = {
    hostname: 'openssh',
    ip: '127.0.0.1',
    port: server.port,
    protocol: 'ssh',
    platform: 'linux',
    username: server.user,
    credRef: 'env:OSSH',
    site: null,
  };

  it('runs a command on an exec channel with key login, streaming its output', async () => {
    const chunks: string[] = [];
    const result = await access.execute(device, 'echo hello from $(uname)', {
      onChunk: (c) => chunks.push(c),
    });
    expect(chunks.join('')).toBe('hello from Linux\n');
    expect(result).toEqual({ exitCode: 0, bytes: 17 });
    // The host key was trusted on first use and recorded.
    expect((await access.hostKeys.list()).map((k) => k.port)).toContain(server.port);
  });

  it('a command that exits non-zero is nonzero_exit with its status, its output passed on', async () => {
    const chunks: string[] = [];
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as RunError,
      );
    const error = await failure(
      access.execute(device, 'echo oops >&2; exit 3', { onChunk: (c) => chunks.push(c) }),
    );
    expect(error).toMatchObject({ reason: 'nonzero_exit', exitCode: 3 });
    expect(error?.message).toBe('the command exited with status 3');
    expect(chunks.join('')).toBe('oops\n');
    const killed = await failure(access.execute(device, 'echo bye; kill -KILL $$'));
    expect(killed).toMatchObject({ reason: 'nonzero_exit', exitCode: null });
    expect(killed?.message).toBe('the command was killed by signal SIGKILL');
  });

  it.each([
    ['false', 1, ''],
    ['uname -a; exit 3', 3, execFileSync('uname', ['-a'], { encoding: 'utf8' })],
    ['exit 0', 0, ''],
  ])(
    'a run of `%s` ends with exit code %i, as error nonzero_exit unless 0',
    async (command, code, output) => {
      const make = factories(db);
      const stored = await make.device({
        hostname: `openssh-${code}`,
        ip: '127.0.0.1',
        port: server.port,
        platform: 'linux',
        username: server.user,
        credRef: 'env:OSSH',
      });
      const run = await make.run({ deviceId: stored.id, command });
      const finished = await executeRun({ db, access }, run.id);
      expect(finished).toMatchObject(
        code === 0
          ? { status: 'ok', errorReason: null, exitCode: 0 }
          : { status: 'error', errorReason: 'nonzero_exit', exitCode: code },
      );
      expect(await repositories(db).chunks.text(run.id)).toBe(output);
    },
  );

  it('times out a command that runs too long, and aborts one on request', async () => {
    const timeout = await access
      .execute(device, 'sleep 5', { timeouts: { commandMs: 300 } })
      .catch((e: unknown) => e as RunError);
    expect((timeout as RunError).reason).toBe('command_timeout');
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 200);
    const started = Date.now();
    const aborted = await access
      .execute(device, 'sleep 5', { signal: controller.signal })
      .catch((e: unknown) => e as RunError);
    expect((aborted as RunError).reason).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('runs a rendered template value as data, not as shell syntax', async () => {
    const marker = path.join(tmpdir(), `netauto-injected-${process.pid}-${Date.now()}`);
    onTestFinished(() => {
      rmSync(marker, { force: true });
    });
    const hostile = `a; touch ${marker}`;
    const rendered = renderTemplate(
      { body: 'echo {{message}}', variables: { message: { type: 'string', required: true } } },
      { message: hostile },
      'linux',
    );
    expect(rendered.ok).toBe(true);
    if (!rendered.ok) return;
    const chunks: string[] = [];
    const result = await access.execute(device, rendered.command, {
      onChunk: (c) => chunks.push(c),
    });
    // The second command did not run: no file, and the value printed as it was given.
    expect(existsSync(marker)).toBe(false);
    expect(chunks.join('')).toBe(`${hostile}\n`);
    expect(result.exitCode).toBe(0);
    expect(rendered.command).toBe(`echo 'a; touch ${marker}'`);

    // Inside double quotes of the body, and with every quoting character at once.
    const nasty = `it's "$(touch ${marker})" \`touch ${marker}\` \\ $HOME`;
    const quoted = renderTemplate(
      {
        body: 'printf "%s|" "{{a}}" {{a}}',
        variables: { a: { type: 'string', required: true } },
      },
      { a: nasty },
      'linux',
    );
    expect(quoted.ok).toBe(true);
    if (!quoted.ok) return;
    const out: string[] = [];
    await access.execute(device, quoted.command, { onChunk: (c) => out.push(c) });
    expect(out.join('')).toBe(`${nasty}|${nasty}|`);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a wrong key as auth_failed', async () => {
    const other = new DeviceAccess(
      new Secrets(db, {
        env: { NETAUTO_BAD_PASSWORD: 'not-a-valid-login', NETAUTO_BAD_ALLOW: '127.0.0.1' },
      }),
      new HostKeys(db, 'tofu'),
      access.settings,
    );
    const error = await other
      .execute({ ...device, credRef: 'BAD' }, 'true')
      .catch((e: unknown) => e as RunError);
    expect((error as RunError).reason).toBe('auth_failed');
    expect((error as RunError).message).not.toContain('not-a-valid-login');
  });
});
