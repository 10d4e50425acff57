export { startLab, type Lab, type LabOptions } from './lab.js';
export type { SimDevice } from './device.js';
export { fleet, FLEET_FAULTS, type FleetOptions } from './fleet.js';
export {
  SIM_PLATFORMS,
  SSH_AUTH_METHODS,
  type SshAuthMethod,
  DEFAULT_USERNAME,
  DEFAULT_PASSWORD,
  DEFAULT_ENABLE_SECRET,
  DEFAULT_SITE,
  DEFAULT_RUNNING_CONFIG_LINES,
  MIN_RUNNING_CONFIG_LINES,
  type Platform,
  type SimProtocol,
  type SimFaults,
  type SimDeviceSpec,
  type ResolvedDeviceSpec,
} from './spec.js';
export { PERSONALITIES } from './personalities/index.js';
export type { Personality, CliErrors, ErrorText, SessionKind } from './personality.js';
export type { Pager } from './cli/commands.js';
export { MORE_MARKER, MORE_ERASE, iosxrTimestamp } from './personalities/cisco.js';
export { EOS_PRIVILEGED_ONLY } from './personalities/arista.js';
export { JUNOS_MORE_MARKER } from './personalities/juniper.js';
export { commandNotFound, HUGE_FILE } from './personalities/linux.js';
export {
  TELNET_USERNAME_PROMPT,
  TELNET_PASSWORD_PROMPT,
  TELNET_LOGIN_FAILED,
  TELNET_TOO_MANY_FAILURES,
} from './transports/telnet.js';
export {
  formatInventory,
  faultTag,
  INVENTORY_COLUMNS,
  INVENTORY_CRED_REF,
  type InventoryRow,
} from './inventory.js';
export { fingerprintOf } from './hostkey.js';
export { commandOutput } from './render.js';
