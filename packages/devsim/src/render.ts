import { chunksOf } from './cli/text.js';
import { deviceContext } from './device.js';
import type { SimDeviceSpec } from './spec.js';

/**
 * What `command` prints on a device, exactly, with `\n` line ends: the text a client sees
 * between the echoed command line and the next prompt once `\r\n` is turned into `\n`.
 * It runs in a fresh session with paging off; `privileged` (default true) enters enable mode
 * first where the platform has one. Tests elsewhere build their expectations with it.
 */
export async function commandOutput(
  spec: SimDeviceSpec,
  command: string,
  opts: { privileged?: boolean } = {},
): Promise<string> {
  const { device, personality } = deviceContext(spec);
  const cli = personality.createCli(device, 'shell');
  const ctx = { signal: new AbortController().signal, eolBytes: 1 };
  if (opts.privileged ?? true) {
    if (cli.prompt() !== personality.enabledPrompt(device.spec.hostname, device.spec.username)) {
      await cli.run('enable', ctx);
      if (cli.readingSecret()) await cli.run(device.spec.enableSecret, ctx);
    }
  }
  if (personality.disablePaging) await cli.run(personality.disablePaging, ctx);
  const reply = await cli.run(command, ctx);
  let out = '';
  for (const chunk of chunksOf(reply.out)) out += chunk;
  for (const chunk of chunksOf(reply.err ?? '')) out += chunk;
  return out;
}
