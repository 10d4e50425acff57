// What the benchmarks compare NetAuto against: a bare ssh2 loop doing the same work.
import { connect as netConnect } from 'node:net';
import type { SimDevice } from '@netauto/devsim';
import ssh2 from 'ssh2';

export function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

/** Runs `work` over every item, `concurrency` at a time. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

/** The bare loop: connect (Nagle off), log in, exec, read everything, close. */
export function bareExec(
  device: SimDevice,
  command: string,
  password: string,
  onData: (bytes: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: device.host, port: device.port });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.once('connect', () => {
      const client = new ssh2.Client();
      client.on('error', reject);
      client.on('ready', () => {
        client.exec(command, (error, channel) => {
          if (error) {
            reject(error);
            return;
          }
          channel.on('data', (data: Buffer) => {
            onData(data.length);
          });
          channel.stderr.on('data', (data: Buffer) => {
            onData(data.length);
          });
          channel.on('close', () => {
            client.end();
            resolve();
          });
        });
      });
      client.connect({
        sock: socket,
        username: device.spec.username,
        password,
        hostVerifier: () => true,
      });
    });
  });
}
