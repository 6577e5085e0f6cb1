import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, Param, Put, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/decorators.js';
import { DomainError, NotFoundError } from '../common/errors.js';
import { PrismaService } from '../database/prisma.service.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { TransferService } from './transfer.service.js';

/**
 * One-time file transfers for agents. The token in the path is the credential: it is
 * unguessable, single-use and short-lived (see TransferService).
 */
@ApiExcludeController()
@Controller('api/v1/transfer')
export class TransferController {
  constructor(
    private readonly transfers: TransferService,
    private readonly store: ArtifactStore,
    private readonly prisma: PrismaService,
  ) {}

  @Public()
  @Get(':token')
  async download(@Param('token') token: string, @Res() response: Response): Promise<void> {
    const grant = await this.transfers.consume(token);
    if (!grant || grant.kind !== 'download') throw new NotFoundError('Transfer');
    response.status(200).set({ 'content-type': 'application/octet-stream', 'content-length': String(grant.bytes), etag: `"${grant.sha256}"` });
    await pipeline(this.store.open(grant.storageKey), response);
  }

  /** Stores the body content-addressed; answers its sha256 and size. */
  @Public()
  @Put(':token')
  async upload(@Param('token') token: string, @Req() request: Request): Promise<{ sha256: string; bytes: number }> {
    const grant = await this.transfers.consume(token);
    if (!grant || grant.kind !== 'upload') throw new NotFoundError('Transfer');
    const hash = createHash('sha256');
    let bytes = 0;
    const upload = await this.store.begin();
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > grant.maxBytes) return done(new DomainError('PAYLOAD_TOO_LARGE', `At most ${grant.maxBytes} bytes may be uploaded here.`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(request, count, upload.stream);
    } catch (error) {
      await this.store.discard(upload);
      throw error;
    }
    const sha256 = hash.digest('hex');
    const storageKey = await this.store.commit(upload, sha256);
    await this.prisma.client.artifact.upsert({
      where: { sha256 },
      create: { sha256, sizeBytes: BigInt(bytes), mediaType: grant.mediaType, storageKey },
      update: {},
    });
    return { sha256, bytes };
  }
}
