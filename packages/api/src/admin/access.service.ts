import type { Config } from '@netauto/config';
import { InvalidStateError, NotFoundError } from '@netauto/db';
import { isRunError, type Secrets } from '@netauto/device-access';
import {
  type AuditAction,
  CredentialName,
  CredentialScopeSet,
  CredentialSet,
  HostKeyAcceptInput,
  HostKeyRef,
  type CredentialInfo,
  type EnvCredentialInfo,
  type KnownHost,
  type Settings,
} from '@netauto/schema';
import { actorOf, audited, recordAudit } from '../audit/audit.js';
import type { Identity } from '../context.js';
import type { Store, Uses } from '../store.js';

/** What the admin's view of device access reads and writes (besides the secret store). */
export type AccessRepos = Uses<{
  credentials: 'setScope';
  knownHosts: 'list' | 'acceptPending' | 'forget' | 'unpin';
  audit: 'record';
}>;

/** The `db:` credential store as the admin uses it: the secrets never come back. */
export type SecretStore = Pick<Secrets, 'list' | 'environmentCredentials' | 'set' | 'delete'>;

/**
 * What admins keep for device access: the `db:` credential store (write-only), the
 * known host keys, and the limits as configured.
 */
export class AccessService {
  /**
   * `secrets`: the credential store, which writes on its own connection; `config`: device
   * access and worker settings, as the workers of this deployment read them.
   */
  constructor(
    private readonly store: Store<AccessRepos>,
    private readonly secrets: SecretStore,
    private readonly config: Pick<Config, 'deviceAccess' | 'worker'>,
  ) {}

  listCredentials(): Promise<CredentialInfo[]> {
    return this.secrets.list();
  }

  /**
   * The `env:` credentials of this process's environment with their scopes, and those to
   * fix (no scope, or one that cannot be read). Names only, never a secret.
   */
  environmentCredentials(): EnvCredentialInfo[] {
    return this.secrets.environmentCredentials();
  }

  /**
   * Stores or replaces a credential with its scope; what is shown and audited is its
   * name, username and scope.
   */
  async setCredential(actor: Identity, input: CredentialSet): Promise<CredentialInfo> {
    const c = CredentialSet.parse(input);
    let info: CredentialInfo;
    try {
      info = await this.secrets.set(c);
    } catch (error) {
      // No key configured (or a bad one): the caller can act on that, it is no crash.
      if (isRunError(error)) throw new InvalidStateError(error.message);
      throw error;
    }
    await this.audit(actor, 'credentials.set', info.name, {
      name: info.name,
      username: info.username,
      scope: info.scope,
    });
    return info;
  }

  /** Changes where a credential may be used, keeping its secret; audited with before and after. */
  setCredentialScope(actor: Identity, input: CredentialScopeSet): Promise<CredentialInfo> {
    const c = CredentialScopeSet.parse(input);
    return audited(
      this.store,
      actorOf(actor),
      'credentials.scope',
      (repos) => repos.credentials.setScope(c.name, c.scope),
      ({ before, credential }) => ({
        type: 'credential',
        id: credential.name,
        summary: { name: credential.name, before, after: credential.scope },
      }),
    ).then((r) => r.credential);
  }

  async deleteCredential(actor: Identity, name: string): Promise<CredentialInfo> {
    const info = await this.secrets.delete(CredentialName.parse(name));
    await this.audit(actor, 'credentials.delete', info.name, { name: info.name });
    return info;
  }

  listHostKeys(): Promise<KnownHost[]> {
    return this.store.repos.knownHosts.list();
  }

  /** Trusts the key a host presented and that was refused, if it is the one the admin checked. */
  acceptHostKey(actor: Identity, input: HostKeyAcceptInput): Promise<KnownHost> {
    const k = HostKeyAcceptInput.parse(input);
    return audited(
      this.store,
      actorOf(actor),
      'host_keys.accept',
      (repos) => repos.knownHosts.acceptPending({ host: k.host, port: k.port }, k.fingerprint),
      (key) => ({
        type: 'host_key',
        id: `${key.host}:${key.port}`,
        summary: { host: key.host, port: key.port, fingerprint: key.fingerprint },
      }),
    );
  }

  /** Forgets a host's key: the next connection trusts what it sees (unless strict). */
  forgetHostKey(actor: Identity, input: HostKeyRef): Promise<KnownHost> {
    const k = HostKeyRef.parse(input);
    return audited(
      this.store,
      actorOf(actor),
      'host_keys.forget',
      (repos) => repos.knownHosts.forget(k),
      (key) => ({
        type: 'host_key',
        id: `${key.host}:${key.port}`,
        summary: { host: key.host, port: key.port, fingerprint: key.fingerprint },
      }),
    );
  }

  /**
   * Devices that now answer with new keys (at a new port, say): their host keys are
   * forgotten (audited, as `forgetHostKey`) and the devices unpinned, so that the next
   * connection records what they present. A host without a recorded key is skipped.
   */
  async renewHostKeys(
    actor: Identity,
    hosts: readonly HostKeyRef[],
    deviceIds: readonly number[],
  ): Promise<void> {
    for (const host of hosts) {
      try {
        await this.forgetHostKey(actor, host);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    await this.store.repos.knownHosts.unpin(deviceIds);
  }

  settings(): Settings {
    const e = { ...this.config.deviceAccess, ...this.config.worker };
    return {
      quotas: {
        global: e.NETAUTO_QUOTA_GLOBAL,
        perSite: e.NETAUTO_QUOTA_SITE,
        workerConcurrency: e.NETAUTO_WORKER_CONCURRENCY,
        perDevice: 1,
      },
      timeouts: {
        connectMs: e.NETAUTO_CONNECT_TIMEOUT_MS,
        commandMs: e.NETAUTO_COMMAND_TIMEOUT_MS,
      },
      outputMaxBytes: e.NETAUTO_OUTPUT_MAX_BYTES,
      hostKeys: e.NETAUTO_HOST_KEYS,
      telnetEnabled: e.NETAUTO_ENABLE_TELNET,
      credentialStore: Boolean(e.NETAUTO_SECRET_KEY),
      retention: {
        maxDays: e.NETAUTO_RUN_MAX_DAYS,
        maxBytes: e.NETAUTO_RUN_MAX_BYTES,
        cron: e.NETAUTO_RETENTION_CRON,
      },
    };
  }

  /** The credential store writes on its own connection: the event follows the change it records. */
  private audit(
    actor: Identity,
    action: AuditAction,
    id: string,
    summary: Record<string, unknown>,
  ): Promise<void> {
    return this.store.transaction((repos) =>
      recordAudit(repos, actorOf(actor), action, { type: 'credential', id, summary }),
    );
  }
}
