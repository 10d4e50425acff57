import { chunksOf } from './cli/text.js';
import { deviceContext } from './device.js';
import type { SimDeviceSpec } from './spec.js';

/**
 * What `command` prints on a device, exactly, with `\n` line ends: the text a client sees
 * between the echoed command line and the next prompt once `\r\n` is turned into `\n`.
 * It runs in a fresh session with paging off; `privileged` (default true) enters enable mode
 * first where the platform has one. Tests elsewhere build their expectations with it.
 *
 * Output that comes over time is waited for: `ping -c N -i S` resolves after about
 * (N - 1) x S seconds with every line, `-D` stamps included (those are real times, so
 * only without `-D` is the text the same from one call to the next). `signal` stops such
 * output where it is and resolves with what came so far: a `ping` without `-c` ends only so.
 */
export async function commandOutput(
  spec: SimDeviceSpec,
  command: string,
  opts: { privileged?: boolean; signal?: AbortSignal } = {},
): Promise<string> {
  const { device, personality } = deviceContext(spec);
  const cli = personality.createCli(device, 'shell');
  const ctx = { signal: opts.signal ?? new AbortController().signal, eolBytes: 1 };
  if (opts.privileged ?? true) {
    if (cli.prompt() !== personality.enabledPrompt(device.spec.hostname, device.spec.username)) {
      await cli.run('enable', ctx);
      if (cli.readingSecret()) await cli.run(device.spec.enableSecret, ctx);
    }
  }
  if (personality.disablePaging) await cli.run(personality.disablePaging, ctx);
  const reply = await cli.run(command, ctx);
  let out = '';
  for await (const chunk of chunksOf(reply.out)) out += chunk;
  for await (const chunk of chunksOf(reply.err ?? '')) out += chunk;
  return out;
}
