export {
  DeviceAccess,
  createDeviceAccess,
  settingsFromEnv,
  type DeviceTarget,
  type ExecuteOptions,
  type ExecuteResult,
  type Timeouts,
  type DeviceAccessSettings,
} from './device-access.js';
export { RunError, isRunError } from './errors.js';
export { Secrets, parseCredRef, type Credentials } from './secrets/secrets.js';
export { encryptSecret, decryptSecret, parseSecretKey } from './secrets/crypto.js';
export { HostKeys, fingerprintOf, keyTypeOf, type HostKeyMode } from './hostkeys/hostkeys.js';
export { DRIVERS, type Driver } from './drivers/drivers.js';
export { renderTemplate } from '@netauto/schema';
