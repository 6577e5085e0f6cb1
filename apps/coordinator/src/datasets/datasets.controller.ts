import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import {
  CreateDatasetBodySchema,
  DatasetListQuerySchema,
  DatasetPreviewSchema,
  DatasetViewSchema,
  type CreateDatasetBody,
  type DatasetListQuery,
  type DatasetPreview,
  type DatasetView,
} from '@potluck/protocol';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { Ctx, OptionalAuth, Roles, Viewer } from '../auth/decorators.js';
import type { Principal, RequestContext } from '../auth/principal.js';
import { DomainError } from '../common/errors.js';
import { ApiContract } from '../common/openapi.js';
import { UuidParam } from '../common/params.js';
import { ZodPipe } from '../common/zod.pipe.js';
import { DatasetsService } from './datasets.service.js';

const VersionParam = () => Param('version', new ZodPipe(z.coerce.number().int().positive().max(1_000_000)));
const PreviewQuerySchema = z.strictObject({ rows: z.coerce.number().int().min(1).max(100).default(20) });
const UPLOAD_TYPES = ['application/jsonl', 'application/x-ndjson', 'application/x-jsonlines', 'text/plain', 'application/octet-stream'];

@ApiTags('datasets')
@ApiBearerAuth()
@Controller('api/v1/datasets')
export class DatasetsController {
  constructor(private readonly datasets: DatasetsService) {}

  @Roles('BUILDER')
  @Post()
  @HttpCode(201)
  @ApiContract({ body: CreateDatasetBodySchema, response: DatasetViewSchema, status: 201 })
  create(@Body(new ZodPipe(CreateDatasetBodySchema)) body: CreateDatasetBody, @Ctx() context: RequestContext): Promise<DatasetView> {
    return this.datasets.create(body, context);
  }

  @OptionalAuth()
  @Get()
  @ApiContract({ response: z.array(DatasetViewSchema) })
  list(@Query(new ZodPipe(DatasetListQuerySchema)) query: DatasetListQuery, @Viewer() viewer: Principal | null): Promise<DatasetView[]> {
    return this.datasets.list(query, viewer);
  }

  @OptionalAuth()
  @Get(':id')
  @ApiContract({ response: DatasetViewSchema })
  get(@UuidParam('id') id: string, @Viewer() viewer: Principal | null): Promise<DatasetView> {
    return this.datasets.get(id, viewer);
  }

  /** Streams a JSONL file in as the next version (body = the file, `Content-Type: application/jsonl`). */
  @Roles('BUILDER')
  @Post(':id/versions')
  @HttpCode(201)
  @ApiConsumes(...UPLOAD_TYPES)
  @ApiBody({ description: 'The JSONL file: one chat (`messages`), instruction (`prompt`/`completion`) or `text` row per line.' })
  @ApiContract({ response: DatasetViewSchema, status: 201 })
  async upload(@UuidParam('id') id: string, @Req() request: Request, @Res({ passthrough: true }) response: Response, @Ctx() context: RequestContext): Promise<DatasetView> {
    const type = (request.headers['content-type'] ?? 'application/octet-stream').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!UPLOAD_TYPES.includes(type)) throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `Upload the file itself with Content-Type application/jsonl (got ${type}).`);
    // A rejected upload stops reading early; the connection then cannot carry another request.
    response.setHeader('connection', 'close');
    const length = request.headers['content-length'] === undefined ? null : Number(request.headers['content-length']);
    return this.datasets.upload(id, request, Number.isFinite(length) ? length : null, context);
  }

  @OptionalAuth()
  @Get(':id/versions/:version/download')
  async download(@UuidParam('id') id: string, @VersionParam() version: number, @Viewer() viewer: Principal | null, @Res() response: Response): Promise<void> {
    const file = await this.datasets.download(id, version, viewer);
    response.status(200).set({
      'content-type': 'application/jsonl',
      'content-length': String(file.bytes),
      'content-disposition': `attachment; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`,
      etag: `"${file.sha256}"`,
    });
    // pipeline closes the file when the client goes away mid-download.
    await pipeline(file.stream, response).catch(() => response.destroy());
  }

  @OptionalAuth()
  @Get(':id/versions/:version/preview')
  @ApiContract({ response: DatasetPreviewSchema })
  preview(@UuidParam('id') id: string, @VersionParam() version: number, @Query(new ZodPipe(PreviewQuerySchema)) query: { rows: number }, @Viewer() viewer: Principal | null): Promise<DatasetPreview> {
    return this.datasets.preview(id, version, query.rows, viewer);
  }
}
