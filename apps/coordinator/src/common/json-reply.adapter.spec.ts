import 'reflect-metadata';
import { Controller, Get, Head, Header, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonReplyExpressAdapter } from './json-reply.adapter.js';
import { JsonText } from './json-text.js';

@Controller()
class SampleController {
  @Get('object')
  object(): unknown {
    return { name: 'zoë', items: [1, 2, 3], long: 'x'.repeat(5000) };
  }

  @Get('serialised')
  serialised(): JsonText {
    return new JsonText('{"name":"zoë","items":[1,2,3]}');
  }

  @Post('created')
  created(): unknown {
    return { id: 1 };
  }

  @Get('text')
  @Header('content-type', 'text/plain; charset=utf-8')
  text(): string {
    return 'plain';
  }

  @Get('problem')
  @Header('content-type', 'application/problem+json')
  problem(): unknown {
    return { code: 'X' };
  }

  @Get('nothing')
  @HttpCode(204)
  nothing(): void {}

  @Get('reset')
  @HttpCode(205)
  reset(): unknown {
    return { dropped: true };
  }

  @Get('opaque')
  opaque(): unknown {
    return { toJSON: () => undefined };
  }

  @Head('object')
  head(): unknown {
    return { ignored: true };
  }
}

@Module({ controllers: [SampleController] })
class SampleModule {}

let app: NestExpressApplication;
let base: string;

beforeAll(async () => {
  app = await NestFactory.create<NestExpressApplication>(SampleModule, new JsonReplyExpressAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
});

afterAll(async () => {
  await app.close();
});

describe('JsonReplyExpressAdapter', () => {
  it('writes objects as JSON with an exact length, keeping the status', async () => {
    const response = await fetch(`${base}/object`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await response.text();
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(JSON.parse(text)).toEqual({ name: 'zoë', items: [1, 2, 3], long: 'x'.repeat(5000) });
    const serialised = await fetch(`${base}/serialised`);
    expect(serialised.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(serialised.headers.get('content-length'))).toBe(Buffer.byteLength('{"name":"zoë","items":[1,2,3]}'));
    expect(await serialised.text()).toBe('{"name":"zoë","items":[1,2,3]}');
    const created = await fetch(`${base}/created`, { method: 'POST' });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: 1 });
  });

  it('keeps a JSON media type the handler chose, and leaves other answers to Express', async () => {
    const problem = await fetch(`${base}/problem`);
    expect(problem.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await problem.json()).toEqual({ code: 'X' });
    const text = await fetch(`${base}/text`);
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await text.text()).toBe('plain');
    const nothing = await fetch(`${base}/nothing`);
    expect(nothing.status).toBe(204);
    expect(await nothing.text()).toBe('');
    const reset = await fetch(`${base}/reset`);
    expect(reset.status).toBe(205);
    expect(await reset.text()).toBe('');
    const opaque = await fetch(`${base}/opaque`);
    expect(opaque.status).toBe(200);
    expect(await opaque.text()).toBe('');
    const head = await fetch(`${base}/object`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
