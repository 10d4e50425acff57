import { createServer, type Server, type Socket } from 'node:net';
import type { ParsedKey } from 'ssh2';
import { deviceFacts } from './facts.js';
import { generateHostKey, type HostKey } from './hostkey.js';
import type { DeviceContext, Personality } from './personality.js';
import { PERSONALITIES } from './personalities/index.js';
import { seeded } from './prng.js';
import { resolveSpec, type ResolvedDeviceSpec, type SimDeviceSpec } from './spec.js';
import { parseAuthorizedKeys, serveSsh } from './transports/ssh.js';
import { serveTelnet } from './transports/telnet.js';

/** A running simulated device. */
export interface SimDevice {
  readonly spec: ResolvedDeviceSpec;
  readonly host: string;
  readonly port: number;
  /** `SHA256:...` of the current host key (throws for Telnet devices, which have none). */
  hostKeyFingerprint(): string;
  /** The current host key as an OpenSSH public key line (throws for Telnet devices). */
  hostPublicKey(): string;
  /** Replaces the host key; connections made from now on see the new one. */
  rotateHostKey(): void;
  /** TCP connections accepted since the device started. */
  readonly connections: number;
  /** TCP connections open now. */
  readonly openConnections: number;
}

/** Builds the device context (spec with defaults, facts) for a spec. */
export function deviceContext(spec: SimDeviceSpec): {
  device: DeviceContext;
  personality: Personality;
} {
  const personality = PERSONALITIES[spec.platform];
  const model = seeded(spec.hostname, 'model').pick(personality.models);
  const resolved = resolveSpec(spec, { vendor: personality.vendor, model });
  return { device: { spec: resolved, facts: deviceFacts(spec.hostname) }, personality };
}

export class RunningDevice implements SimDevice {
  readonly spec: ResolvedDeviceSpec;
  host = '';
  port = 0;
  connections = 0;
  private readonly ctx: DeviceContext;
  private readonly personality: Personality;
  private readonly keys: ParsedKey[];
  private hostKey: HostKey | null;
  private server: Server | null = null;
  private readonly sockets = new Map<Socket, AbortController>();

  constructor(spec: SimDeviceSpec) {
    const { device, personality } = deviceContext(spec);
    this.ctx = device;
    this.spec = device.spec;
    this.personality = personality;
    this.keys = parseAuthorizedKeys(spec.hostname, this.spec.authorizedKeys);
    this.hostKey = this.spec.protocol === 'ssh' ? generateHostKey(spec.hostname) : null;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  private currentKey(): HostKey {
    if (!this.hostKey)
      throw new Error(`devsim: ${this.spec.hostname} is a Telnet device: no host key`);
    return this.hostKey;
  }

  hostKeyFingerprint(): string {
    return this.currentKey().fingerprint;
  }

  hostPublicKey(): string {
    return this.currentKey().publicKey;
  }

  rotateHostKey(): void {
    this.currentKey();
    this.hostKey = generateHostKey(this.spec.hostname);
  }

  /**
   * Listens on `host:port` (port 0: any free port). A `refuseConnection` device only picks
   * a port (a free one is found, then released) and does not listen.
   */
  async start(host: string, port: number): Promise<void> {
    this.host = host;
    const server = createServer((socket) => {
      this.accept(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    if (this.spec.faults.refuseConnection) {
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      return;
    }
    this.server = server;
  }

  private accept(socket: Socket): void {
    this.connections++;
    socket.setNoDelay(true);
    const controller = new AbortController();
    this.sockets.set(socket, controller);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      controller.abort();
    });
    const { faults } = this.spec;
    if (faults.hangOnConnect) return;
    const conn = {
      device: this.ctx,
      personality: this.personality,
      socket,
      signal: controller.signal,
    };
    if (this.spec.protocol === 'telnet') {
      serveTelnet(conn);
      return;
    }
    if (faults.rotateHostKey) this.rotateHostKey();
    serveSsh(conn, this.currentKey(), this.keys);
  }

  /** Stops listening and cuts every open connection. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closed = server
      ? new Promise<void>((resolve) =>
          server.close(() => {
            resolve();
          }),
        )
      : Promise.resolve();
    for (const [socket, controller] of this.sockets) {
      controller.abort();
      socket.destroy();
    }
    await closed;
  }
}
