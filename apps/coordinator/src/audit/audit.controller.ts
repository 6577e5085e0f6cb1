import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PageQuerySchema, type AuditEntryView, type Page, type PageQuery } from '@potluck/protocol';
import { Roles } from '../auth/decorators.js';
import { ZodPipe } from '../common/zod.pipe.js';
import { AuditService } from './audit.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Newest first; `cursor` is the last id of the previous page. Admins only. */
  @Roles('ADMIN')
  @Get()
  list(@Query(new ZodPipe(PageQuerySchema)) query: PageQuery): Promise<Page<AuditEntryView>> {
    return this.audit.list(query.limit, query.cursor);
  }
}
