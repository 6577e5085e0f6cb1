import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PublicKey } from '@potluck/protocol';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { canonicalJson } from './canonical-json.js';

/** base64url SHA-256 of the SubjectPublicKeyInfo DER, first 16 characters. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);
}

/**
 * The coordinator's Ed25519 receipt key: POTLUCK_RECEIPT_PRIVATE_KEY, else the key file
 * (created once, mode 0600, on first start). Only the public half ever leaves this class;
 * the private key is never logged or served. Ed25519 signatures are deterministic, so a
 * receipt re-signed from the ledger is byte for byte the one issued before.
 */
@Injectable()
export class ReceiptSigner implements OnModuleInit {
  private readonly logger = new Logger('Receipts');
  private privateKey: KeyObject | null = null;
  private publicKeyObject: KeyObject | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    this.privateKey = await this.load();
    this.publicKeyObject = createPublicKey(this.privateKey);
    if (this.privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the receipt key must be an Ed25519 key');
    this.logger.log({ keyId: this.keyId }, 'receipt signing key ready');
  }

  private async load(): Promise<KeyObject> {
    if (this.config.POTLUCK_RECEIPT_PRIVATE_KEY) return createPrivateKey(this.config.POTLUCK_RECEIPT_PRIVATE_KEY.replace(/\\n/g, '\n'));
    const file = this.config.POTLUCK_RECEIPT_KEY_FILE ?? join(dirname(this.config.POTLUCK_ARTIFACT_DIR), 'receipt-signing-key.pem');
    try {
      return createPrivateKey(await readFile(file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const { privateKey } = generateKeyPairSync('ed25519');
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    try {
      await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      this.logger.log({ file }, 'generated the receipt signing key');
      return privateKey;
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return createPrivateKey(await readFile(file, 'utf8'));
      throw error;
    }
  }

  private get key(): KeyObject {
    if (!this.privateKey) throw new Error('the receipt signer is not initialised');
    return this.privateKey;
  }

  get publicKey(): KeyObject {
    if (!this.publicKeyObject) throw new Error('the receipt signer is not initialised');
    return this.publicKeyObject;
  }

  get keyId(): string {
    return keyIdOf(this.publicKey);
  }

  publicKeyView(): PublicKey {
    const der = this.publicKey.export({ type: 'spki', format: 'der' });
    return {
      keyId: this.keyId,
      algorithm: 'Ed25519',
      publicKeyPem: this.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      publicKeyRaw: der.subarray(der.length - 32).toString('base64'),
    };
  }

  sign(body: unknown): string {
    return sign(null, Buffer.from(canonicalJson(body), 'utf8'), this.key).toString('base64');
  }

  verify(body: unknown, signature: string): boolean {
    try {
      return verify(null, Buffer.from(canonicalJson(body), 'utf8'), this.publicKey, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }
}
