#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { fleet } from './fleet.js';
import { INVENTORY_CRED_REF } from './inventory.js';
import { startLab } from './lab.js';
import {
  DEFAULT_ENABLE_SECRET,
  DEFAULT_PASSWORD,
  DEFAULT_USERNAME,
  SIM_PLATFORMS,
  type Platform,
} from './spec.js';

interface Options {
  count: number;
  basePort: number;
  host: string;
  platforms: 'mix' | Platform[];
  faults: number;
  format: 'csv' | 'json';
  out?: string;
  seed: string;
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/** `0.1` or `10%`. */
function fraction(value: string): number {
  const percent = value.endsWith('%');
  const n = Number(percent ? value.slice(0, -1) : value) / (percent ? 100 : 1);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError('must be a fraction from 0 to 1 or a percentage (10%)');
  }
  return n;
}

function platforms(value: string): 'mix' | Platform[] {
  if (value === 'mix') return 'mix';
  const list = value.split(',').map((p) => p.trim());
  const bad = list.find((p) => !(SIM_PLATFORMS as readonly string[]).includes(p));
  if (bad !== undefined) {
    throw new InvalidArgumentError(`"${bad}" is not one of mix, ${SIM_PLATFORMS.join(', ')}`);
  }
  return list as Platform[];
}

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => {
      resolve('SIGINT');
    });
    process.once('SIGTERM', () => {
      resolve('SIGTERM');
    });
  });
}

async function serve(opts: Options): Promise<void> {
  const lab = await startLab({
    devices: fleet({
      count: opts.count,
      platforms: opts.platforms,
      faults: opts.faults,
      seed: opts.seed,
    }),
    host: opts.host,
    basePort: opts.basePort,
  });
  const stopped = stopSignal();
  const inventory = lab.inventory(opts.format);
  if (opts.out) await writeFile(opts.out, inventory);
  else process.stdout.write(inventory);
  const ports = lab.devices.map((d) => d.port);
  const env = INVENTORY_CRED_REF.replace(/^env:/, '');
  process.stderr.write(
    `netauto-devsim: ${lab.devices.length} devices on ${opts.host}, ports ${Math.min(...ports)}-${Math.max(...ports)}` +
      `${opts.out ? `, inventory in ${opts.out}` : ''}\n` +
      `netauto-devsim: credentials: NETAUTO_${env}_USERNAME=${DEFAULT_USERNAME} NETAUTO_${env}_PASSWORD=${DEFAULT_PASSWORD} NETAUTO_${env}_ENABLE=${DEFAULT_ENABLE_SECRET} NETAUTO_${env}_ALLOW=${opts.host}\n` +
      'netauto-devsim: serving until SIGINT or SIGTERM\n',
  );
  const signal = await stopped;
  await lab.stop();
  process.stderr.write(`netauto-devsim: ${signal}: stopped\n`);
}

const program = new Command()
  .name('netauto-devsim')
  .description('Serve simulated network devices over SSH and Telnet and print their inventory.')
  .option('--count <n>', 'number of devices', integer(0, 20_000), 10)
  .option(
    '--base-port <port>',
    'device i listens on base-port + i; 0: free ports',
    integer(0, 65_535),
    0,
  )
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option(
    '--platforms <list>',
    `"mix" or a comma-separated list of ${SIM_PLATFORMS.join(', ')}`,
    platforms,
    'mix',
  )
  .option('--faults <fraction>', 'fraction of devices with a fault: 0.1 or 10%', fraction, 0)
  .addOption(
    new Option('--format <format>', 'inventory format').choices(['csv', 'json']).default('json'),
  )
  .option('--out <file>', 'write the inventory to this file instead of stdout')
  .option('--seed <seed>', 'changes which devices get faults, and the sites', 'devsim')
  .action(async (opts: Options) => {
    await serve(opts);
  });

try {
  await program.parseAsync();
} catch (err) {
  process.stderr.write(`netauto-devsim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
