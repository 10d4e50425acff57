import type { Personality } from '../personality.js';
import type { Platform } from '../spec.js';
import { aristaEos } from './arista.js';
import { ciscoIos, ciscoIosxr, ciscoNxos } from './cisco.js';
import { juniperJunos } from './juniper.js';
import { linux } from './linux.js';

/** Every platform's prompts, paging, error texts and CLI. */
export const PERSONALITIES: Record<Platform, Personality> = {
  cisco_ios: ciscoIos,
  cisco_nxos: ciscoNxos,
  cisco_iosxr: ciscoIosxr,
  arista_eos: aristaEos,
  juniper_junos: juniperJunos,
  linux,
};
