import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

const { utils } = ssh2;

export interface HostKey {
  /** OpenSSH private key text, for ssh2's Server. */
  privateKey: string;
  /** `ssh-ed25519 AAAA...` */
  publicKey: string;
  /** `SHA256:<base64, no padding>` of the public key blob, as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

/** `SHA256:...` of an OpenSSH public key line or a raw public key blob. */
export function fingerprintOf(publicKey: string | Buffer): string {
  let blob: Buffer;
  if (Buffer.isBuffer(publicKey)) blob = publicKey;
  else {
    const parsed = utils.parseKey(publicKey);
    if (parsed instanceof Error) throw new Error(`devsim: not a public key: ${parsed.message}`);
    blob = parsed.getPublicSSH();
  }
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A new ed25519 host key. */
export function generateHostKey(comment: string): HostKey {
  let pair = utils.generateKeyPairSync('ed25519', { comment });
  // ssh2 now and then (about 1 in 256) writes a key whose leading zero byte is lost and
  // that it cannot read back itself: draw again until both halves parse.
  while (
    utils.parseKey(pair.public) instanceof Error ||
    utils.parseKey(pair.private) instanceof Error
  ) {
    pair = utils.generateKeyPairSync('ed25519', { comment });
  }
  return {
    privateKey: pair.private,
    publicKey: pair.public,
    fingerprint: fingerprintOf(pair.public),
  };
}
