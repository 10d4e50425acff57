import { isRunError, type DeviceAccess } from '@netauto/device-access';
import {
  activeSessions,
  outputBytes,
  runDuration,
  runsFinished,
  runsStarted,
} from '@netauto/observability';

/**
 * Device access that counts what it does: runs started and finished by platform, their
 * duration, their output bytes, and the sessions open now.
 */
export function instrumentAccess(access: DeviceAccess): DeviceAccess {
  const instrumented = Object.create(access) as DeviceAccess;
  instrumented.execute = async (device, command, options) => {
    const platform = device.platform;
    runsStarted.inc({ platform });
    const sessions = activeSessions.labels({ protocol: device.protocol });
    sessions.inc();
    const endTimer = runDuration.startTimer({ platform });
    const onChunk = options?.onChunk;
    try {
      const result = await access.execute(device, command, {
        ...options,
        onChunk: (text) => {
          outputBytes.inc({ platform }, Buffer.byteLength(text, 'utf8'));
          return onChunk?.(text);
        },
      });
      runsFinished.inc({ platform, status: 'ok', reason: '' });
      endTimer({ status: 'ok' });
      return result;
    } catch (error) {
      const reason = isRunError(error) ? error.reason : 'connection_lost';
      runsFinished.inc({ platform, status: 'error', reason });
      endTimer({ status: 'error' });
      throw error;
    } finally {
      sessions.dec();
    }
  };
  return instrumented;
}
