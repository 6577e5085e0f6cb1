import { Body, Controller, Get, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  CreateUserBodySchema,
  PageQuerySchema,
  SignupBodySchema,
  SignupResultSchema,
  UpdateUserBodySchema,
  UserViewSchema,
  type CreateUserBody,
  type Page,
  type PageQuery,
  type SignupBody,
  type SignupResult,
  type UpdateUserBody,
  type UserView,
} from '@potluck/protocol';
import { Ctx, Public, Roles } from '../auth/decorators.js';
import type { RequestContext } from '../auth/principal.js';
import { ApiContract } from '../common/openapi.js';
import { UuidParam } from '../common/params.js';
import { ZodPipe } from '../common/zod.pipe.js';
import { requestIdOf } from '../logging/request-id.js';
import type { Request } from 'express';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Creates a builder and/or donor account; the response holds its API key, shown only here. */
  @Public()
  @Post('signup')
  @HttpCode(201)
  @ApiContract({ body: SignupBodySchema, response: SignupResultSchema, status: 201 })
  signup(@Body(new ZodPipe(SignupBodySchema)) body: SignupBody, @Req() request: Request): Promise<SignupResult> {
    return this.users.signup(body, { requestId: requestIdOf(request) ?? null, ip: request.ip ?? null });
  }

  @Get('me')
  @ApiContract({ response: UserViewSchema })
  me(@Ctx() context: RequestContext): Promise<UserView> {
    return this.users.me(context);
  }

  @Roles('ADMIN')
  @Get('users')
  list(@Query(new ZodPipe(PageQuerySchema)) query: PageQuery): Promise<Page<UserView>> {
    return this.users.list(query.limit, query.cursor);
  }

  @Roles('ADMIN')
  @Post('users')
  @HttpCode(201)
  @ApiContract({ body: CreateUserBodySchema, response: SignupResultSchema, status: 201 })
  create(@Body(new ZodPipe(CreateUserBodySchema)) body: CreateUserBody, @Ctx() context: RequestContext): Promise<SignupResult> {
    return this.users.create(body, context);
  }

  @Get('users/:id')
  @ApiContract({ response: UserViewSchema })
  get(@UuidParam('id') id: string, @Ctx() context: RequestContext): Promise<UserView> {
    return this.users.get(id, context);
  }

  @Patch('users/:id')
  @ApiContract({ body: UpdateUserBodySchema, response: UserViewSchema })
  update(@UuidParam('id') id: string, @Body(new ZodPipe(UpdateUserBodySchema)) body: UpdateUserBody, @Ctx() context: RequestContext): Promise<UserView> {
    return this.users.update(id, body, context);
  }
}
