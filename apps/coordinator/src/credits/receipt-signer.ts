import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PublicKey, PublicKeySet } from '@potluck/protocol';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import { canonicalJson } from './canonical-json.js';

/** A receipt naming a key this process does not know makes it re-read the keys at most this often. */
const KEY_RELOAD_MS = 10_000;

/** base64url SHA-256 of the SubjectPublicKeyInfo DER, first 16 characters. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);
}

function publicKeyView(publicKey: KeyObject): PublicKey {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    keyId: keyIdOf(publicKey),
    algorithm: 'Ed25519',
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicKeyRaw: der.subarray(der.length - 32).toString('base64'),
  };
}

/**
 * The coordinator's Ed25519 receipt key: POTLUCK_RECEIPT_PRIVATE_KEY, else the key file
 * (created once, mode 0600, on first start). Only the public half ever leaves this class;
 * the private key is never logged or served. Ed25519 signatures are deterministic, so a
 * receipt re-signed from the ledger is byte for byte the one issued before.
 *
 * Rotation: every coordinator records its key's public half in PostgreSQL (ReceiptKey) at
 * start, so after the key is replaced the retired keys are still served and still verify the
 * receipts they signed (docs/operations.md, "Rotating the receipt key").
 */
@Injectable()
export class ReceiptSigner implements OnModuleInit {
  private readonly logger = new Logger('Receipts');
  private privateKey: KeyObject | null = null;
  private publicKeyObject: KeyObject | null = null;
  /** The public half as served (made once: exporting and hashing the key per request costs). */
  private view: PublicKey | null = null;
  /** Every known key by id (current and retired), from ReceiptKey. */
  private known = new Map<string, KeyObject>();
  private knownAt = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.privateKey = await this.load();
    this.publicKeyObject = createPublicKey(this.privateKey);
    if (this.privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the receipt key must be an Ed25519 key');
    const view = publicKeyView(this.publicKeyObject);
    this.view = view;
    await this.prisma.client.receiptKey.upsert({
      where: { keyId: view.keyId },
      create: { keyId: view.keyId, algorithm: view.algorithm, publicKeyPem: view.publicKeyPem },
      update: { lastUsedAt: new Date() },
    });
    await this.reload();
    this.logger.log({ keyId: view.keyId, retired: this.known.size - 1 }, 'receipt signing key ready');
  }

  private async reload(): Promise<void> {
    const rows = await this.prisma.client.receiptKey.findMany({ select: { keyId: true, publicKeyPem: true } });
    const known = new Map<string, KeyObject>();
    for (const row of rows) known.set(row.keyId, createPublicKey(row.publicKeyPem));
    known.set(this.keyId, this.publicKey);
    this.known = known;
    this.knownAt = Date.now();
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
    return this.publicKeyView().keyId;
  }

  publicKeyView(): PublicKey {
    if (!this.view) throw new Error('the receipt signer is not initialised');
    return this.view;
  }

  /** Every key that has signed receipts, newest first: the current one and the retired ones. */
  async publicKeys(): Promise<PublicKeySet> {
    const rows = await this.prisma.client.receiptKey.findMany({ orderBy: [{ firstUsedAt: 'desc' }, { keyId: 'asc' }] });
    const current = this.keyId;
    return {
      current,
      keys: rows.map((row) => ({
        ...publicKeyView(createPublicKey(row.publicKeyPem)),
        status: row.keyId === current ? ('current' as const) : ('retired' as const),
        firstUsedAt: row.firstUsedAt.toISOString(),
        lastUsedAt: row.lastUsedAt.toISOString(),
      })),
    };
  }

  /** The public key with this id, current or retired (re-read when unknown, at most every 10 s), or null. */
  async keyById(keyId: string): Promise<KeyObject | null> {
    if (!this.known.has(keyId) && Date.now() - this.knownAt > KEY_RELOAD_MS) await this.reload();
    return this.known.get(keyId) ?? null;
  }

  sign(body: unknown): string {
    return sign(null, Buffer.from(canonicalJson(body), 'utf8'), this.key).toString('base64');
  }

  /** Checks a signature with the given public key (by default the current one). */
  verify(body: unknown, signature: string, publicKey: KeyObject = this.publicKey): boolean {
    try {
      return verify(null, Buffer.from(canonicalJson(body), 'utf8'), publicKey, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }
}
