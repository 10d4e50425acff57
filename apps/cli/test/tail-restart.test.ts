import { commandOutput, type SimDeviceSpec } from '@netauto/devsim';
import { Run } from '@netauto/schema';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, runCli, spawnCli, startStack, waitFor } from './stack.js';

const PING = 'ping -c 24 -i 0.25 10.0.0.1';
const specs: SimDeviceSpec[] = [
  { hostname: 'tail-a', platform: 'linux' },
  { hostname: 'tail-b', platform: 'linux' },
  { hostname: 'tail-c', platform: 'linux' },
];

describe('following across a server restart', async () => {
  const stack = await startStack(inject('netautoPg'), specs);
  afterAll(() => stack.stop());
  const cli = (args: string[], input?: string) => runCli(stack.home, args, { input });
  const expected = commandOutput(specs[0] as SimDeviceSpec, PING);

  const login = await cli(
    ['--url', stack.url, 'login', '--email', ADMIN_EMAIL, '--password-stdin'],
    ADMIN_PASSWORD,
  );
  if (login.code !== 0) throw new Error(login.stderr);
  for (const spec of specs) {
    const sim = stack.lab.device(spec.hostname);
    const added = await cli([
      'devices',
      'add',
      spec.hostname,
      '--ip',
      sim.host,
      '--port',
      String(sim.port),
      '--platform',
      'linux',
      '--username',
      'netops',
      '--cred-ref',
      'env:LAB',
    ]);
    if (added.code !== 0) throw new Error(added.stderr);
  }
  await cli(['groups', 'add', 'pingers']);
  await cli(['groups', 'members', 'add', 'pingers', ...specs.map((s) => s.hostname)]);

  /** Stops the server while output flows, and starts it again on the same port. */
  async function restart(signal: NodeJS.Signals) {
    await stack.server.stop(signal);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await stack.server.start();
  }

  it('runs tail --follow resumes after the server is killed and started again, without losing or repeating output', async () => {
    const started = await cli(['run', '-d', 'tail-a', '-c', PING, '--detach', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const run = Run.parse(JSON.parse(started.stdout));
    const follower = spawnCli(stack.home, ['runs', 'tail', '--follow', String(run.id)]);
    await waitFor(
      () => (follower.stdout().match(/bytes from/g) ?? []).length >= 3,
      'three replies',
    );
    await restart('SIGKILL');
    const end = await follower.done;
    expect(end.code, end.stderr).toBe(0);
    expect(end.stdout).toBe(await expected);
    expect(end.stderr).toContain(`connection lost`);
    expect(end.stderr).toContain(`resumed run ${run.id}`);
  });

  it('runs tail --follow also rides out a graceful restart', async () => {
    const started = await cli(['run', '-d', 'tail-b', '-c', PING, '--detach', '--json']);
    const run = Run.parse(JSON.parse(started.stdout));
    const follower = spawnCli(stack.home, ['runs', 'tail', '--follow', String(run.id)]);
    await waitFor(
      () => (follower.stdout().match(/bytes from/g) ?? []).length >= 3,
      'three replies',
    );
    await restart('SIGTERM');
    const end = await follower.done;
    expect(end.code, end.stderr).toBe(0);
    expect(end.stdout).toBe(await commandOutput(specs[1] as SimDeviceSpec, PING));
    // It did lose the server, and came back.
    expect(end.stderr).toContain(`connection lost`);
    expect(end.stderr).toContain(`resumed run ${run.id}`);
  });

  it('a bulk run over a group keeps its progress and every device output across a restart', async () => {
    const wants = Promise.all(specs.map((spec) => commandOutput(spec, PING)));
    const follower = spawnCli(stack.home, ['run', '--group', 'pingers', '--command', PING]);
    await waitFor(() => (follower.stdout().match(/bytes from/g) ?? []).length >= 6, 'replies');
    await restart('SIGKILL');
    const end = await follower.done;
    expect(end.code, end.stderr).toBe(0);
    const want = await wants;
    for (const [i, spec] of specs.entries()) {
      const lines = end.stdout
        .split('\n')
        .filter((l) => l.startsWith(`${spec.hostname} | `))
        .map((l) => l.slice(spec.hostname.length + 3));
      expect(`${lines.join('\n')}\n`, spec.hostname).toBe(want[i]);
    }
    expect(end.stderr).toMatch(/progress: 3\/3 done \(ok 3, error 0, running 0, pending 0\)/);
    expect(end.stderr).toContain(`connection lost`);
  });
});
