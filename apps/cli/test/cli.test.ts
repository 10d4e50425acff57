import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { commandOutput, type SimDeviceSpec } from '@netauto/devsim';
import {
  ApiToken,
  Bulk,
  BulkDeviceRun,
  BulkSummary,
  Device,
  DeviceGroupLink,
  Group,
  GroupMember,
  GroupWithMembers,
  Membership,
  Run,
  RunDetail,
  Template,
  TemplateMode,
  UpsertResult,
  User,
} from '@netauto/schema';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  CLI,
  runCli,
  spawnCli,
  startStack,
  userEnv,
  waitFor,
  type Result,
} from './stack.js';

const exec = promisify(execFile);

const specs: SimDeviceSpec[] = [
  { hostname: 'cli-r1', platform: 'cisco_ios' },
  { hostname: 'cli-r2', platform: 'arista_eos' },
  { hostname: 'cli-sw1', platform: 'cisco_nxos' },
  { hostname: 'cli-linux', platform: 'linux' },
  { hostname: 'cli-locked', platform: 'cisco_ios', faults: { rejectPassword: true } },
];
const specOf = (hostname: string) => specs.find((s) => s.hostname === hostname) as SimDeviceSpec;

const Me = User.extend({ via: z.enum(['session', 'token']), readOnly: z.boolean() });
const ImportResult = UpsertResult.extend({
  errors: z.array(z.object({ row: z.number(), hostname: z.string(), errors: z.array(z.string()) })),
});
const SingleRun = z.object({ run: Run, output: z.string() });
const BulkRun = z.object({
  bulk: Bulk,
  runs: z.array(
    BulkDeviceRun.extend({
      exitCode: z.number().int().nullable(),
      output: z.string().optional(),
      file: z.string().optional(),
    }),
  ),
});
/** What people read for a reason: the sentence, then the code and the detail. */
const NONZERO =
  'The command exited with a non-zero status. (nonzero_exit: the command exited with status';
const AUTH_FAILED = 'The device refused the credential. (auth_failed';

/** Parses stdout as JSON and checks it against a schema of @netauto/schema. */
function json<T extends z.ZodType>(result: Result, schema: T): z.output<T> {
  return schema.parse(JSON.parse(result.stdout));
}

/** The lines of one device in prefixed output, joined back. */
function linesOf(stdout: string, hostname: string): string {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(`${hostname} | `) || l === `${hostname} |`)
    .map((l) => l.slice(hostname.length + 3))
    .join('\n');
}

describe('the netauto CLI against a real server', async () => {
  const stack = await startStack(inject('netautoPg'), specs);
  afterAll(() => stack.stop());
  const { url, home } = stack;
  const cli = (args: string[], options?: Parameters<typeof runCli>[2]) =>
    runCli(home, args, options);
  const secrets: string[] = [ADMIN_PASSWORD];
  /** Nothing secret in what the CLI printed. */
  const clean = (r: Result) => {
    for (const s of secrets) {
      expect(r.stdout).not.toContain(s);
      expect(r.stderr).not.toContain(s);
    }
    return r;
  };

  it('login asks the server for a token and keeps it, with the URL, in a config file only its owner reads', async () => {
    const r = clean(
      await cli(['--url', url, 'login', '--email', ADMIN_EMAIL, '--password-stdin'], {
        input: `${ADMIN_PASSWORD}\n`,
      }),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`signed in to ${url} as ${ADMIN_EMAIL} (admin)`);
    const file = path.join(home, '.config', 'netauto', 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const config = JSON.parse(await readFile(file, 'utf8')) as {
      url: string;
      token: string;
      tokenId: number;
    };
    expect(config.url).toBe(url);
    expect(config.token).toMatch(/^nat_/);
    secrets.push(config.token);
  });

  it('whoami answers from the config file; --json prints the user alone', async () => {
    const human = clean(await cli(['whoami']));
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/e-mail\s+admin@example\.net/);
    expect(human.stdout).toMatch(/role\s+admin/);
    const r = clean(await cli(['whoami', '--json']));
    expect(r.code).toBe(0);
    expect(json(r, Me)).toMatchObject({ email: ADMIN_EMAIL, role: 'admin', via: 'token' });
    expect(r.stderr).toBe('');
  });

  it('on a terminal, login asks for the server, the e-mail and the password (masked)', async () => {
    const fresh = await mkdtemp(path.join(tmpdir(), 'netauto-tty-'));
    // `script` gives the CLI a terminal; the answers are typed once each question shows.
    const child = spawn('script', ['-qec', `${process.execPath} ${CLI} login`, '/dev/null'], {
      env: { ...userEnv(fresh), TERM: 'xterm' },
    });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const answer = async (question: string, text: string) => {
      await waitFor(() => screen.includes(question), question);
      child.stdin.write(`${text}\r`);
    };
    await answer('NetAuto server URL', url);
    await answer('E-mail', ADMIN_EMAIL);
    await answer('Password', ADMIN_PASSWORD);
    expect(await exited).toBe(0);
    expect(screen).toContain(`signed in to ${url} as ${ADMIN_EMAIL}`);
    expect(screen).not.toContain(ADMIN_PASSWORD);
    const whoami = await runCli(fresh, ['whoami', '--json']);
    expect(json(whoami, Me).email).toBe(ADMIN_EMAIL);
    await rm(fresh, { recursive: true, force: true });
  });

  it('a wrong password is one line that says what to do, and exit code 1', async () => {
    const r = await cli(['--url', url, 'login', '--email', ADMIN_EMAIL, '--password-stdin'], {
      input: 'not it\n',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `netauto: the e-mail or password is wrong for ${url}: check them and try again`,
    ]);
  });

  it('adds devices; bad values are usage errors (exit 2) that name the flag', async () => {
    for (const spec of specs) {
      const sim = stack.lab.device(spec.hostname);
      const r = await cli([
        'devices',
        'add',
        spec.hostname,
        '--ip',
        sim.host,
        '--port',
        String(sim.port),
        '--platform',
        spec.platform,
        '--username',
        'netops',
        '--cred-ref',
        'env:LAB',
        '--site',
        'dc1',
        '--tag',
        'role=edge',
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(json(r, Device)).toMatchObject({
        hostname: spec.hostname,
        site: 'dc1',
        tags: { role: 'edge' },
      });
    }
    const bad = await cli([
      'devices',
      'add',
      'r9',
      '--ip',
      '10.0.0.300',
      '--username',
      'u',
      '--cred-ref',
      'env:LAB',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^netauto: cannot add r9: --ip: must be an IPv4 or IPv6 address\n$/);
    const missing = await cli(['devices', 'add', 'r9', '--ip', '10.0.0.9']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('give --username, --cred-ref');
    const choice = await cli(['devices', 'add', 'r9', '--platform', 'cisco_xx']);
    expect(choice.code).toBe(2);
    expect(choice.stderr).toContain('Allowed choices are cisco_ios');
    const dup = await cli([
      'devices',
      'add',
      'cli-r1',
      '--ip',
      '10.0.0.9',
      '--username',
      'u',
      '--cred-ref',
      'env:LAB',
      '--site',
      'dc1',
    ]);
    expect(dup.code).toBe(1);
    expect(dup.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('lists devices as a table, or as JSON with --json; filters by platform, tag and text', async () => {
    const table = await cli(['devices', 'list']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+HOSTNAME\s+IP\s+PLATFORM\s+SITE\s+PORT\s+TAGS$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[1])).toEqual([
      'cli-linux',
      'cli-locked',
      'cli-r1',
      'cli-r2',
      'cli-sw1',
    ]);
    const all = json(await cli(['devices', 'list', '--json']), z.array(Device));
    expect(all).toHaveLength(5);
    const ios = json(
      await cli(['devices', 'list', '--platform', 'cisco_ios', '--json']),
      z.array(Device),
    );
    expect(ios.map((d) => d.hostname)).toEqual(['cli-locked', 'cli-r1']);
    const q = json(
      await cli(['devices', 'list', '--q', 'r2', '--tag', 'role=edge', '--json']),
      z.array(Device),
    );
    expect(q.map((d) => d.hostname)).toEqual(['cli-r2']);
    const limited = await cli(['devices', 'list', '--limit', '2', '--json']);
    expect(json(limited, z.array(Device))).toHaveLength(2);
    expect(limited.stderr).toContain('--limit N or --all for more');
  });

  it('shows and edits a device by hostname, hostname@site or id', async () => {
    const shown = await cli(['devices', 'show', 'cli-r1@dc1', '--json']);
    const device = json(shown, Device.extend({ groups: z.array(DeviceGroupLink) }));
    expect(device.hostname).toBe('cli-r1');
    const human = await cli(['devices', 'show', String(device.id)]);
    expect(human.stdout).toMatch(/hostname\s+cli-r1/);
    expect(human.stdout).toMatch(/cred ref\s+env:LAB/);
    const edited = await cli([
      'devices',
      'edit',
      'cli-r1',
      '--vendor',
      'Cisco',
      '--tag',
      'rack=r1',
      '--untag',
      'role',
      '--json',
    ]);
    expect(json(edited, Device)).toMatchObject({ vendor: 'Cisco', tags: { rack: 'r1' } });
    const nothing = await cli(['devices', 'edit', 'cli-r1']);
    expect(nothing.code).toBe(2);
    const missing = await cli(['devices', 'show', 'no-such-device']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'netauto: no device named no-such-device: see `netauto devices list --q no-such-device` for the names\n',
    );
  });

  it('imports CSV with a bad row: every bad row is named, nothing is applied, exit 1; --partial applies the good rows', async () => {
    const csv = [
      'hostname,ip,port,username,credRef,platform,site,tags',
      'imp-1,10.1.0.1,22,netops,env:LAB,cisco_ios,dc2,role=core;rack=a1',
      'imp-2,10.1.0.300,22,netops,env:LAB,cisco_ios,dc2,',
      'imp-3,10.1.0.3,22,netops,env:LAB,linux,dc2,',
      'imp-4,10.1.0.4,99999,netops,env:LAB,cisco_ios,dc2,',
    ].join('\n');
    const file = path.join(home, 'devices.csv');
    await writeFile(file, csv);
    const r = await cli(['devices', 'import', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('row 2 (imp-2): ip: must be an IPv4 or IPv6 address');
    expect(r.stderr).toContain('row 4 (imp-4): port: must be from 1 to 65535');
    expect(r.stderr).toContain(
      'netauto: 2 of 4 rows are bad, nothing imported: fix them, or import the good ones with --partial',
    );
    expect(
      json(await cli(['devices', 'list', '--site', 'dc2', '--json']), z.array(Device)),
    ).toEqual([]);

    const asJson = await cli(['devices', 'import', file, '--json']);
    expect(asJson.code).toBe(1);
    expect(json(asJson, ImportResult)).toMatchObject({
      created: 0,
      updated: 0,
      errors: [{ row: 2 }, { row: 4 }],
    });

    const dry = await cli(['devices', 'import', file, '--partial', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(
      json(await cli(['devices', 'list', '--site', 'dc2', '--json']), z.array(Device)),
    ).toEqual([]);

    const partial = await cli(['devices', 'import', file, '--partial', '--json']);
    expect(partial.code).toBe(1);
    expect(json(partial, ImportResult)).toMatchObject({ created: 2, updated: 0 });
    const dc2 = json(await cli(['devices', 'list', '--site', 'dc2', '--json']), z.array(Device));
    expect(dc2.map((d) => [d.hostname, d.tags])).toEqual([
      ['imp-1', { role: 'core', rack: 'a1' }],
      ['imp-3', {}],
    ]);
  });

  it('imports JSON from stdin and YAML from a file, and exports CSV, JSON and YAML that import back unchanged', async () => {
    const rows = [
      { hostname: 'imp-5', ip: '10.1.0.5', username: 'netops', credRef: 'env:LAB', site: 'dc2' },
    ];
    const fromStdin = await cli(['devices', 'import', '-', '--json'], {
      input: JSON.stringify(rows),
    });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(json(fromStdin, ImportResult)).toMatchObject({ created: 1, errors: [] });
    const yamlFile = path.join(home, 'more.yaml');
    await writeFile(
      yamlFile,
      'devices:\n  - hostname: imp-6\n    ip: 10.1.0.6\n    username: netops\n    credRef: env:LAB\n    site: dc2\n    tags: { role: spine }\n',
    );
    const fromYaml = await cli(['devices', 'import', yamlFile]);
    expect(fromYaml.code, fromYaml.stderr).toBe(0);
    expect(fromYaml.stderr).toContain('imported 1 device: 1 created, 0 updated');

    const before = json(await cli(['devices', 'list', '--site', 'dc2', '--json']), z.array(Device));
    for (const format of ['csv', 'json', 'yaml'] as const) {
      const out = path.join(home, `export.${format}`);
      const exported = await cli(['devices', 'export', out, '--site', 'dc2']);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stderr).toContain(`wrote 4 devices to ${out}`);
      const again = await cli(['devices', 'import', out, '--json']);
      expect(again.code, again.stderr).toBe(0);
      expect(json(again, ImportResult)).toMatchObject({ created: 0, updated: 4 });
    }
    const after = json(await cli(['devices', 'list', '--site', 'dc2', '--json']), z.array(Device));
    expect(after.map(({ updatedAt: _u, ...d }) => d)).toEqual(
      before.map(({ updatedAt: _u, ...d }) => d),
    );
    const toStdout = await cli(['devices', 'export', '--site', 'dc2', '--format', 'csv']);
    expect(toStdout.stdout.split('\n')[0]).toBe(
      'hostname,ip,protocol,port,username,credRef,platform,vendor,model,site,tags,metadata',
    );
    expect(toStdout.stdout).toContain(
      'imp-1,10.1.0.1,ssh,22,netops,env:LAB,cisco_ios,,,dc2,rack=a1;role=core,',
    );
  });

  it('removes devices', async () => {
    const r = await cli(['devices', 'rm', 'imp-5', 'imp-6', '--json']);
    expect(r.code).toBe(0);
    expect(json(r, z.array(Device)).map((d) => d.hostname)).toEqual(['imp-5', 'imp-6']);
    expect(
      json(await cli(['devices', 'list', '--site', 'dc2', '--json']), z.array(Device)),
    ).toHaveLength(2);
  });

  it('manages groups and their members', async () => {
    const added = await cli([
      'groups',
      'add',
      'edge',
      '--description',
      'edge routers',
      '--site',
      'dc1',
      '--json',
    ]);
    expect(json(added, Group)).toMatchObject({ name: 'edge', memberCount: 0 });
    const members = await cli([
      'groups',
      'members',
      'add',
      'edge',
      'cli-r1',
      'cli-r2',
      'cli-linux',
      'cli-locked',
      'cli-sw1',
      '--json',
    ]);
    expect(members.code, members.stderr).toBe(0);
    expect(json(members, z.array(Membership))).toHaveLength(5);
    const removed = await cli(['groups', 'members', 'rm', 'edge', 'cli-sw1', '--json']);
    expect(json(removed, z.array(Membership))).toHaveLength(1);
    const list = await cli(['groups', 'list', '--json']);
    expect(json(list, z.array(Group))).toMatchObject([{ name: 'edge', memberCount: 4 }]);
    const table = await cli(['groups', 'list']);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+SITE\s+MEMBERS/);
    const shown = await cli(['groups', 'show', 'edge', '--json']);
    expect(
      json(shown, GroupWithMembers)
        .members.map((m) => m.device.hostname)
        .sort(),
    ).toEqual(['cli-linux', 'cli-locked', 'cli-r1', 'cli-r2']);
    const ml = await cli(['groups', 'members', 'list', 'edge', '--json']);
    expect(json(ml, z.array(GroupMember))).toHaveLength(4);
    const edited = await cli(['groups', 'edit', 'edge', '--tag', 'tier=1', '--json']);
    expect(json(edited, Group).tags).toEqual({ tier: '1' });
    await cli(['groups', 'add', 'spare']);
    const rm = await cli(['groups', 'rm', 'spare', '--json']);
    expect(json(rm, z.array(Group)).map((g) => g.name)).toEqual(['spare']);
  });

  it('manages templates: add from a YAML file, list, show, render, edit and remove', async () => {
    const file = path.join(home, 'show.yaml');
    await writeFile(
      file,
      'body: "show {{what}}"\nvariables:\n  what:\n    type: enum\n    choices: [version, inventory, clock]\n    description: what to show\n',
    );
    const added = await cli(['templates', 'add', 'show-what', '--from', file, '--json']);
    expect(added.code, added.stderr).toBe(0);
    expect(json(added, Template)).toMatchObject({ name: 'show-what', mode: 'read' });
    const bad = await cli(['templates', 'add', 'broken', '--body', 'show {{nope}}']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('placeholder {{nope}} is not a declared variable');
    expect(
      json(await cli(['templates', 'list', '--json']), z.array(Template)).map((t) => t.name),
    ).toEqual(['show-what']);
    const shown = await cli(['templates', 'show', 'show-what']);
    expect(shown.stdout).toMatch(/what\s+enum\(version\|inventory\|clock\)\s+yes/);
    expect(shown.stdout).toContain('show {{what}}');
    const rendered = await cli([
      'templates',
      'render',
      'show-what',
      '--var',
      'what=inventory',
      '--json',
    ]);
    expect(
      json(rendered, z.object({ command: z.string(), mode: TemplateMode, platform: z.string() })),
    ).toEqual({
      command: 'show inventory',
      mode: 'read',
      platform: 'generic',
    });
    // Values are written for the platform: quoted for a linux shell.
    const echo = path.join(home, 'echo.yaml');
    await writeFile(echo, 'body: "echo {{message}}"\nvariables:\n  message: {}\n');
    expect((await cli(['templates', 'add', 'echo', '--from', echo])).code).toBe(0);
    const forShell = await cli([
      'templates',
      'render',
      'echo',
      '--var',
      'message=a; touch /tmp/x',
      '--platform',
      'linux',
    ]);
    expect(forShell.code, forShell.stderr).toBe(0);
    expect(forShell.stdout).toBe("echo 'a; touch /tmp/x'\n");
    expect(forShell.stderr).toContain('written for linux devices');
    const forDevice = await cli([
      'templates',
      'render',
      'echo',
      '--var',
      'message=a b',
      '--device',
      'cli-linux',
      '--json',
    ]);
    expect(json(forDevice, z.object({ command: z.string() })).command).toBe("echo 'a b'");
    const forIos = await cli(['templates', 'render', 'echo', '--var', 'message=a; reload']);
    expect(forIos.code).toBe(1);
    expect(forIos.stderr).toContain('message must not contain ; on generic devices');
    const refused = await cli(['templates', 'render', 'show-what', '--var', 'what=reload']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^netauto: invalid input: /);
    const edited = await cli(['templates', 'edit', 'show-what', '--notes', 'for people', '--json']);
    expect(json(edited, Template).notes).toBe('for people');
    await cli(['templates', 'add', 'tmp', '--body', 'show clock']);
    expect((await cli(['templates', 'rm', 'tmp'])).code).toBe(0);
  });

  it('runs a command on one device and streams its output to stdout', async () => {
    const r = await cli(['run', '--device', 'cli-r1', '--command', 'show version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(await commandOutput(specOf('cli-r1'), 'show version'));
    expect(r.stderr).toMatch(/run \d+ on cli-r1: show version/);
    const asJson = await cli(['run', '-d', 'cli-linux', '-c', 'uname -a', '--json']);
    expect(asJson.code).toBe(0);
    const single = json(asJson, SingleRun);
    expect(single.run.status).toBe('ok');
    expect(single.output).toBe(await commandOutput(specOf('cli-linux'), 'uname -a'));
  });

  it('runs a template with variables', async () => {
    const r = await cli([
      'run',
      '-d',
      'cli-r1',
      '--template',
      'show-what',
      '--var',
      'what=inventory',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const { run, output } = json(r, SingleRun);
    expect(run.command).toBe('show inventory');
    expect(output).toBe(await commandOutput(specOf('cli-r1'), 'show inventory'));
    const bad = await cli([
      'run',
      '-d',
      'cli-r1',
      '--template',
      'show-what',
      '--var',
      'what=reload',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^netauto: invalid input: /);
  });

  it('a failed run on one device exits 1 with its reason on one line', async () => {
    const r = await cli(['run', '-d', 'cli-locked', '-c', 'show version']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /\nnetauto: run \d+ on cli-locked failed: The device refused the credential\. \(auth_failed: [^\n]*\)\n$/,
    );
  });

  it('a linux command that exits non-zero fails the run: exit code 1, the reason with its exit code', async () => {
    const f = await cli(['run', '-d', 'cli-linux', '-c', 'false']);
    expect(f.code).toBe(1);
    expect(f.stdout).toBe('');
    expect(f.stderr).toMatch(
      /^run \d+ on cli-linux: false\nnetauto: run \d+ on cli-linux failed: The command exited with a non-zero status\. \(nonzero_exit: the command exited with status 1\)\n$/,
    );
    const three = await cli(['run', '-d', 'cli-linux', '-c', 'uname -a; exit 3', '--json']);
    expect(three.code).toBe(1);
    expect(json(three, SingleRun)).toMatchObject({
      run: { status: 'error', errorReason: 'nonzero_exit', exitCode: 3 },
      output: await commandOutput(specOf('cli-linux'), 'uname -a'),
    });
    expect(three.stderr).toContain(`${NONZERO} 3)`);
    const shown = await cli(['runs', 'show', String(json(three, SingleRun).run.id)]);
    expect(shown.stdout).toMatch(
      /reason\s+The command exited with a non-zero status\. \(nonzero_exit: the command exited with status 3\)\n/,
    );
    expect(shown.stdout).toMatch(/exit code\s+3\n/);
    const ok = await cli(['run', '-d', 'cli-linux', '-c', 'true']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/run \d+ on cli-linux: ok \(exit 0\)\n$/);
  });

  it('runs over a group with a faulty device: progress on stderr, output per device, exit 1', async () => {
    const r = await cli(['run', '--group', 'edge', '--command', 'show version']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bulk \d+ on 4 devices: show version/);
    // The linux host has no `show`: its shell says so and exits 127, a failure.
    expect(r.stderr).toMatch(/progress: 4\/4 done \(ok 2, error 2, running 0, pending 0\)/);
    expect(r.stderr).toContain(`failed cli-locked: ${AUTH_FAILED}`);
    expect(r.stderr).toContain(`failed cli-linux: ${NONZERO} 127)`);
    expect(r.stderr).toMatch(
      /netauto: bulk \d+: 2 ok, 2 failed of 4: cli-linux \(nonzero_exit, exit 127\), cli-locked \(auth_failed\); retry them with `netauto bulks retry \d+`\n$/,
    );
    expect(`${linesOf(r.stdout, 'cli-linux')}\n`).toBe(
      await commandOutput(specOf('cli-linux'), 'show version'),
    );
    for (const host of ['cli-r1', 'cli-r2']) {
      expect(`${linesOf(r.stdout, host)}\n`).toBe(
        await commandOutput(specOf(host), 'show version'),
      );
    }
    expect(linesOf(r.stdout, 'cli-locked')).toBe('');
  });

  it('writes one file per device with --out-dir, and --json gives the bulk and each device', async () => {
    const dir = path.join(home, 'out');
    const r = await cli(['run', '-g', 'edge', '-c', 'show version', '--out-dir', dir, '--json']);
    expect(r.code).toBe(1);
    const result = json(r, BulkRun);
    expect(result.bulk).toMatchObject({ total: 4, done: true, counts: { ok: 2, error: 2 } });
    expect(result.runs.map((x) => [x.hostname, x.status, x.errorReason, x.exitCode])).toEqual([
      ['cli-linux', 'error', 'nonzero_exit', 127],
      ['cli-locked', 'error', 'auth_failed', null],
      ['cli-r1', 'ok', null, 0],
      ['cli-r2', 'ok', null, 0],
    ]);
    expect((await readdir(dir)).sort()).toEqual([
      'cli-linux.txt',
      'cli-locked.txt',
      'cli-r1.txt',
      'cli-r2.txt',
    ]);
    expect(await readFile(path.join(dir, 'cli-r2.txt'), 'utf8')).toBe(
      await commandOutput(specOf('cli-r2'), 'show version'),
    );
    const mem = await cli(['run', '-d', 'cli-r1', '-d', 'cli-r2', '-c', 'show clock', '--json']);
    expect(mem.code).toBe(0);
    const both = json(mem, BulkRun);
    expect(both.runs.map((x) => x.hostname)).toEqual(['cli-r1', 'cli-r2']);
    expect(both.runs[0]?.output).toBe(await commandOutput(specOf('cli-r1'), 'show clock'));
  });

  it("on a terminal, a bulk run shows every device's lines with a live bar, none lost at the end", async () => {
    const child = spawn(
      'script',
      ['-qec', `${process.execPath} ${CLI} run -g edge -c 'show clock'`, '/dev/null'],
      { env: { ...userEnv(home), TERM: 'xterm' } },
    );
    let screen = '';
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    for (const host of ['cli-linux', 'cli-r1', 'cli-r2']) {
      const clock = (await commandOutput(specOf(host), 'show clock')).trim().split('\n').at(-1);
      expect(screen).toContain(`${host} | ${clock ?? ''}`);
    }
    expect(screen).toMatch(/cli-locked.*auth_failed|auth_failed.*cli-locked/);
    expect(screen).toMatch(/cli-linux.*nonzero_exit|nonzero_exit.*cli-linux/);
  });

  it('runs over a filter, and says when it matches nothing', async () => {
    const r = await cli(['run', '--filter', 'site=dc1,platform=cisco_nxos', '-c', 'show version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/bulk \d+ on 1 device: show version/);
    expect(`${linesOf(r.stdout, 'cli-sw1')}\n`).toBe(
      await commandOutput(specOf('cli-sw1'), 'show version'),
    );
    const none = await cli(['run', '--filter', 'site=nowhere', '-c', 'show version']);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('netauto: invalid input: target: matches no device\n');
  });

  it('usage errors exit 2 before anything runs', async () => {
    const cases = [
      [['run', '-c', 'show version'], 'say where to run'],
      [['run', '-d', 'cli-r1'], 'say what to run'],
      [['run', '-d', 'cli-r1', '-c', 'x', '-t', 'y'], 'say what to run'],
      [['run', '-g', 'edge', '-d', 'cli-r1', '-c', 'x'], 'say where to run'],
      [['run', '-d', 'cli-r1', '-c', 'x', '--var', 'a=b'], '--var goes with --template'],
      [['run', '--filter', 'colour=blue', '-c', 'x'], 'unknown key "colour"'],
      [['run', '--filter', 'platform=ios', '-c', 'x'], '--filter platform must be one of'],
      [['run', '-d', 'cli-r1', '-c', 'x', '--var', 'novalue'], '--var must look like key=value'],
      [['runs', 'show', 'abc'], 'the run id must be a whole number'],
      [['runs', 'cancel', '7', 'x'], 'a run id must be a whole number'],
      [['run', '--filter', 'site', '-c', 'x'], '--filter must look like key=value'],
      [['nonsense'], "unknown command 'nonsense'"],
    ] as const;
    for (const [args, message] of cases) {
      const r = await cli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });

  it('lists, shows and tails runs', async () => {
    const list = await cli(['runs', 'list', '--device', 'cli-r1', '--json']);
    const runs = json(list, z.array(Run));
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expect(runs.every((r) => r.deviceId === runs[0]?.deviceId)).toBe(true);
    const failed = json(
      await cli(['runs', 'list', '--status', 'error', '--limit', '3', '--json']),
      z.array(Run),
    );
    expect(failed).toHaveLength(3);
    expect(failed.every((r) => r.status === 'error')).toBe(true);
    const table = await cli(['runs', 'list', '--mine', '--q', 'uname']);
    expect(table.stdout).toMatch(/^ID\s+STATUS\s+DEVICE\s+COMMAND/);
    expect(table.stdout).toMatch(/ok\s+cli-linux\s+uname -a/);
    const first = runs.find((r) => r.command === 'show version' && r.bulkId === null) as Run;
    const shown = await cli(['runs', 'show', String(first.id), '--json']);
    expect(json(shown, RunDetail)).toMatchObject({
      id: first.id,
      status: 'ok',
      device: { hostname: 'cli-r1' },
    });
    const human = await cli(['runs', 'show', String(first.id)]);
    expect(human.stdout).toMatch(/device\s+cli-r1/);
    const tail = await cli(['runs', 'tail', String(first.id)]);
    expect(tail.stdout).toBe(await commandOutput(specOf('cli-r1'), 'show version'));
    const last3 = await cli(['runs', 'tail', String(first.id), '-n', '3']);
    // The last three lines, as tail -n 3 prints them.
    expect(last3.stdout).toBe(tail.stdout.split('\n').slice(-4).join('\n'));
    const followed = await cli(['runs', 'tail', String(first.id), '--follow', '--json']);
    expect(json(followed, SingleRun)).toMatchObject({ run: { id: first.id }, output: tail.stdout });
    const missing = await cli(['runs', 'show', '999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.split('\n')).toHaveLength(2);
  });

  it('cancels a running run; following it ends with the reason and exit 1', async () => {
    const started = await cli([
      'run',
      '-d',
      'cli-linux',
      '-c',
      'ping -c 40 -i 0.5 10.0.0.1',
      '--detach',
      '--json',
    ]);
    expect(started.code, started.stderr).toBe(0);
    const run = json(started, Run);
    // Ctrl-C stops following, not the run.
    const quitter = spawnCli(home, ['runs', 'tail', '--follow', String(run.id)]);
    await waitFor(() => quitter.stdout().includes('bytes from'), 'the first ping reply');
    quitter.child.kill('SIGINT');
    const quit = await quitter.done;
    expect(quit.code).toBe(130);
    expect(quit.stderr).toContain(
      `netauto: stopped following; run ${run.id} goes on: \`netauto runs tail --follow ${run.id}\` to see it`,
    );
    const follower = spawnCli(home, ['runs', 'tail', '--follow', String(run.id)]);
    await waitFor(() => follower.stdout().includes('bytes from'), 'the first ping reply');
    const canceled = await cli(['runs', 'cancel', String(run.id), '--json']);
    expect(canceled.code, canceled.stderr).toBe(0);
    expect(json(canceled, z.array(Run))[0]?.id).toBe(run.id);
    const end = await follower.done;
    expect(end.code).toBe(1);
    expect(end.stderr).toMatch(
      new RegExp(`netauto: run ${run.id} failed: The run was canceled\\. \\(canceled: `),
    );
  });

  it('shows bulks and retries the failed devices', async () => {
    const list = json(await cli(['bulks', 'list', '--json']), z.array(Bulk));
    const withFailure = list.find((b) => b.counts.error > 0) as Bulk;
    const summary = await cli(['bulks', 'show', String(withFailure.id), '--json']);
    expect(json(summary, BulkSummary).reasons).toEqual([
      { reason: 'auth_failed', count: 1 },
      { reason: 'nonzero_exit', count: 1 },
    ]);
    const human = await cli(['bulks', 'show', String(withFailure.id)]);
    expect(human.stdout).toMatch(/^REASON\s+CODE\s+DEVICES$/m);
    expect(human.stdout).toMatch(/The device refused the credential\.\s+auth_failed\s+1/);
    expect(human.stdout).toMatch(/The command exited with a non-zero status\.\s+nonzero_exit\s+1/);
    const retried = await cli(['bulks', 'retry', String(withFailure.id)]);
    expect(retried.code).toBe(1);
    expect(retried.stderr).toContain('2 devices run again');
    expect(retried.stderr).toContain(`failed cli-locked: ${AUTH_FAILED}`);
    expect(retried.stderr).toContain(`failed cli-linux: ${NONZERO} 127)`);
    expect(retried.stdout).not.toContain('cli-r1 |');
  });

  it('admins manage users and tokens; a new token works at once and stops when revoked', async () => {
    const add = await cli(
      ['users', 'add', 'viewer@example.net', '--role', 'viewer', '--password-stdin', '--json'],
      {
        input: 'a viewer password\n',
      },
    );
    secrets.push('a viewer password');
    expect(add.code, add.stderr).toBe(0);
    const viewer = json(add, User);
    expect(
      json(clean(await cli(['users', 'list', '--json'])), z.array(User))
        .map((u) => u.email)
        .sort(),
    ).toEqual([ADMIN_EMAIL, 'viewer@example.net']);
    expect((await cli(['users', 'show', 'viewer@example.net'])).stdout).toMatch(/role\s+viewer/);
    const edited = await cli(['users', 'edit', String(viewer.id), '--role', 'operator', '--json']);
    expect(json(edited, User).role).toBe('operator');
    await cli(['users', 'edit', 'viewer@example.net', '--role', 'viewer']);
    const reset = await cli(['users', 'reset-password', 'viewer@example.net', '--password-stdin'], {
      input: 'another password\n',
    });
    expect(reset.code).toBe(0);
    secrets.push('another password');

    const made = await cli([
      'tokens',
      'create',
      'ci',
      '--user',
      'viewer@example.net',
      '--read-only',
      '--json',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const { token, apiToken } = json(made, z.object({ token: z.string(), apiToken: ApiToken }));
    expect(apiToken).toMatchObject({ name: 'ci', userEmail: 'viewer@example.net', readOnly: true });
    const plain = await cli(['tokens', 'create', 'mine']);
    expect(plain.stdout).toMatch(/^nat_\S+\n$/);
    expect(plain.stderr).toContain('it is shown this once');
    const mine = plain.stdout.trim();
    secrets.push(mine);
    // A token made elsewhere can be kept by login too.
    const other = await mkdtemp(path.join(tmpdir(), 'netauto-token-'));
    const kept = clean(await runCli(other, ['--url', url, '--token', mine, 'login']));
    expect(kept.code, kept.stderr).toBe(0);
    const otherConfig = path.join(other, '.config', 'netauto', 'config.json');
    expect(JSON.parse(await readFile(otherConfig, 'utf8'))).toEqual({
      url,
      token: mine,
      email: ADMIN_EMAIL,
    });
    expect(json(await runCli(other, ['whoami', '--json']), Me).email).toBe(ADMIN_EMAIL);
    await rm(other, { recursive: true, force: true });

    const asViewer = await cli(['--token', token, 'whoami', '--json']);
    expect(json(asViewer, Me)).toMatchObject({
      email: 'viewer@example.net',
      role: 'viewer',
      readOnly: true,
    });
    const forbidden = await cli(['--token', token, 'users', 'list']);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(
      /^netauto: .*: your role does not allow this; ask an admin\n$/,
    );
    const viaEnv = await cli(['whoami', '--json'], { env: { NETAUTO_TOKEN: token } });
    expect(json(viaEnv, Me).email).toBe('viewer@example.net');

    const all = json(await cli(['tokens', 'list', '--all', '--json']), z.array(ApiToken));
    expect(all.map((t) => t.name)).toEqual(expect.arrayContaining(['ci', 'mine']));
    expect(
      json(
        await cli(['tokens', 'list', '--user', 'viewer@example.net', '--json']),
        z.array(ApiToken),
      ),
    ).toHaveLength(1);
    const listed = await cli(['tokens', 'list', '--all']);
    expect(listed.stdout).not.toContain(token);
    const revoked = await cli(['tokens', 'revoke', String(apiToken.id), '--json']);
    expect(json(revoked, z.array(ApiToken))[0]?.revokedAt).not.toBeNull();
    const after = await cli(['--token', token, 'whoami']);
    expect(after.code).toBe(1);
    expect(after.stderr).toBe(
      'netauto: not signed in, or the token is no longer valid: run `netauto login` (or pass --token / set NETAUTO_TOKEN)\n',
    );
    for (const r of [asViewer, forbidden, after]) {
      expect(r.stderr).not.toContain(token);
    }
  });

  it('a token is only sent to the server it was made for', async () => {
    const other = await cli(['--url', 'http://127.0.0.1:9', 'whoami']);
    expect(other.code).toBe(1);
    expect(other.stderr).toBe(
      'netauto: not signed in to http://127.0.0.1:9: run `netauto login`, pass --token or set NETAUTO_TOKEN\n',
    );
    const down = await cli(['--url', 'http://127.0.0.1:9', '--token', 'nat_x', 'devices', 'list']);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(
      'netauto: cannot reach the NetAuto server at http://127.0.0.1:9: check that it runs, and --url or NETAUTO_URL\n',
    );
    const debug = await cli([
      '--url',
      'http://127.0.0.1:9',
      '--token',
      'nat_x',
      'devices',
      'list',
      '--debug',
    ]);
    expect(debug.stderr.split('\n').length).toBeGreaterThan(3);
    expect(debug.stderr).toMatch(/\n\s+at /);
    const badUrl = await cli(['--url', 'ftp://x', 'whoami']);
    expect(badUrl.code).toBe(2);
  });

  it('an empty setting is unset, a bad --from file and an unwritable --out-dir are one line each', async () => {
    // Empty NETAUTO_TOKEN and XDG_CONFIG_HOME: as if unset, not a crash.
    const empty = await cli(['whoami'], { env: { NETAUTO_TOKEN: '', XDG_CONFIG_HOME: '' } });
    expect(empty.stderr).not.toMatch(/\n\s+at /);
    expect(empty.stderr).not.toMatch(/NETAUTO_TOKEN|XDG_CONFIG_HOME/);
    expect(empty.stderr.trim().split('\n').length).toBeLessThanOrEqual(1);
    const bad = path.join(home, 'bad-template.yaml');
    await writeFile(bad, 'name: "unclosed\nbody: x\n');
    const fromBad = await cli(['templates', 'add', 'broken', '--from', bad]);
    expect(fromBad.code).toBe(2);
    expect(fromBad.stderr.trim().split('\n')).toHaveLength(1);
    expect(fromBad.stderr).toContain('is not valid YAML or JSON');
    // --out-dir names a file, not a folder: the bulk is said to have failed to write.
    const notADir = path.join(home, 'not-a-dir');
    await writeFile(notADir, 'x');
    const blocked = await cli([
      'run',
      '-d',
      'cli-r1',
      '-d',
      'cli-r2',
      '-c',
      'show clock',
      '--out-dir',
      notADir,
    ]);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).not.toMatch(/\n\s+at /);
  });

  it('login keeps only a token given to it, never one from NETAUTO_TOKEN for another server', async () => {
    const r = await cli(['login', '--url', url, '--email', ADMIN_EMAIL, '--password-stdin'], {
      input: `${ADMIN_PASSWORD}\n`,
      env: { NETAUTO_TOKEN: 'nat_from_another_server_0123456789' },
    });
    expect(r.code, r.stderr).toBe(0);
    const config = await readFile(path.join(home, '.config', 'netauto', 'config.json'), 'utf8');
    expect(config).not.toContain('nat_from_another_server');
  });

  it('colours only on request, never with NO_COLOR', async () => {
    const coloured = await cli(['runs', 'list', '--limit', '2'], {
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    expect(coloured.stdout).toContain('\u001b[');
    const plain = await cli(['runs', 'list', '--limit', '2'], {
      env: { NO_COLOR: '1', FORCE_COLOR: '1' },
    });
    expect(plain.stdout).not.toContain('\u001b[');
  });

  it('completes commands, options and option values in bash; prints a zsh completion', async () => {
    const script = path.join(home, 'netauto.bash');
    const r = await cli(['completion', 'bash']);
    expect(r.code).toBe(0);
    await writeFile(script, r.stdout);
    const complete = async (line: string) => {
      const words = line.split(' ');
      const { stdout } = await exec('bash', [
        '-c',
        `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _netauto; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ]);
      return stdout.trim().split('\n').filter(Boolean);
    };
    expect(await complete('netauto dev')).toEqual(['devices']);
    expect(await complete('netauto devices ')).toEqual(
      expect.arrayContaining(['list', 'show', 'add', 'edit', 'rm', 'import', 'export']),
    );
    expect(await complete('netauto devices list --pl')).toEqual(['--platform']);
    expect(await complete('netauto devices list --platform cisco_i')).toEqual([
      'cisco_ios',
      'cisco_iosxr',
    ]);
    expect(await complete('netauto groups members ')).toEqual(
      expect.arrayContaining(['list', 'add', 'rm']),
    );
    expect(await complete('netauto runs tail --fo')).toEqual(['--follow']);
    expect(await complete('netauto --js')).toEqual(['--json']);
    const zsh = await cli(['completion', 'zsh']);
    expect(zsh.stdout.startsWith('#compdef netauto\n')).toBe(true);
    expect(zsh.stdout).toContain("'devices:the inventory'");
    const guessed = await cli(['completion'], { env: { SHELL: '/bin/zsh' } });
    expect(guessed.stdout).toBe(zsh.stdout);
  });

  it('logout revokes the token that login made and forgets it', async () => {
    const file = path.join(home, '.config', 'netauto', 'config.json');
    const { token } = JSON.parse(await readFile(file, 'utf8')) as { token: string };
    const r = await cli(['logout', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, revoked: true });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ url });
    const old = await cli(['--token', token, 'whoami']);
    expect(old.code).toBe(1);
    const none = await cli(['whoami']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('run `netauto login`');
    // Signed in again with NETAUTO_URL, for the help test below.
    const again = await cli(['login', '--email', ADMIN_EMAIL, '--password-stdin'], {
      input: ADMIN_PASSWORD,
      env: { NETAUTO_URL: url },
    });
    expect(again.code).toBe(0);
  });

  it("logout revokes a viewer's read-only token too, and the token is then refused", async () => {
    const add = await cli(
      ['users', 'add', 'reader@example.net', '--role', 'viewer', '--password-stdin'],
      { input: 'a reader password\n' },
    );
    secrets.push('a reader password');
    expect(add.code, add.stderr).toBe(0);
    const fresh = await mkdtemp(path.join(tmpdir(), 'netauto-viewer-'));
    const login = await runCli(
      fresh,
      ['--url', url, 'login', '--email', 'reader@example.net', '--password-stdin', '--read-only'],
      { input: 'a reader password\n' },
    );
    expect(login.code, login.stderr).toBe(0);
    const file = path.join(fresh, '.config', 'netauto', 'config.json');
    const { token } = JSON.parse(await readFile(file, 'utf8')) as { token: string };
    secrets.push(token);
    expect(json(await runCli(fresh, ['whoami', '--json']), Me)).toMatchObject({
      role: 'viewer',
      readOnly: true,
    });
    const out = clean(await runCli(fresh, ['logout', '--json']));
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual({ ok: true, revoked: true });
    const old = await cli(['--token', token, 'whoami']);
    expect(old.code).toBe(1);
    expect(old.stderr).toContain('the token is no longer valid');
    await rm(fresh, { recursive: true, force: true });
  });

  it('every command has help, and --version prints the version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect((await cli(['--version'])).stdout).toBe(`${pkg.version}\n`);
    const help = await cli(['--help']);
    for (const command of [
      'login',
      'logout',
      'whoami',
      'devices',
      'groups',
      'templates',
      'run',
      'runs',
      'bulks',
      'users',
      'tokens',
      'completion',
    ]) {
      expect(help.stdout).toContain(`  ${command}`);
    }
    const { stdout } = await exec(process.execPath, [CLI, 'run', '--help'], { env: userEnv(home) });
    expect(stdout).toContain('--out-dir');
    await mkdir(path.join(home, 'x'), { recursive: true });
  });
});
