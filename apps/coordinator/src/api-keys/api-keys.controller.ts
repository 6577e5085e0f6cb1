import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiKeyViewSchema, CreateApiKeyBodySchema, CreatedApiKeySchema, type ApiKeyView, type CreateApiKeyBody, type CreatedApiKey } from '@potluck/protocol';
import { z } from 'zod';
import { Ctx } from '../auth/decorators.js';
import type { RequestContext } from '../auth/principal.js';
import { ApiContract } from '../common/openapi.js';
import { UuidParam } from '../common/params.js';
import { ZodPipe } from '../common/zod.pipe.js';
import { ApiKeysService } from './api-keys.service.js';

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** The secret is in this response only; it is stored as a SHA-256 digest. */
  @Post()
  @HttpCode(201)
  @ApiContract({ body: CreateApiKeyBodySchema, response: CreatedApiKeySchema, status: 201 })
  create(@Body(new ZodPipe(CreateApiKeyBodySchema)) body: CreateApiKeyBody, @Ctx() context: RequestContext): Promise<CreatedApiKey> {
    return this.keys.create(body, context);
  }

  @Get()
  @ApiContract({ response: z.array(ApiKeyViewSchema) })
  list(@Ctx() context: RequestContext): Promise<ApiKeyView[]> {
    return this.keys.listOwn(context);
  }

  @Delete(':id')
  @ApiContract({ response: ApiKeyViewSchema })
  revoke(@UuidParam('id') id: string, @Ctx() context: RequestContext): Promise<ApiKeyView> {
    return this.keys.revoke(id, context);
  }
}
