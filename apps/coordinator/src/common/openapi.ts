import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiResponse, type ApiBodyOptions } from '@nestjs/swagger';
import { ProblemSchema } from '@potluck/protocol';
import { z } from 'zod';

type SchemaObject = NonNullable<Extract<ApiBodyOptions, { schema?: unknown }>['schema']>;

/** OpenAPI schema of a protocol zod schema, so the docs come from the same source as validation. */
export function openApiSchema(schema: z.ZodType): SchemaObject {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
}

const problem = { description: 'application/problem+json', schema: openApiSchema(ProblemSchema) };

/** Documents a JSON body and the response, plus the problem responses every route can give. */
export function ApiContract(options: { body?: z.ZodType; response?: z.ZodType; status?: number }) {
  return applyDecorators(
    ...(options.body ? [ApiBody({ schema: openApiSchema(options.body) })] : []),
    ApiResponse({ status: options.status ?? 200, ...(options.response ? { schema: openApiSchema(options.response) } : {}) }),
    ApiResponse({ status: 400, ...problem }),
    ApiResponse({ status: 401, ...problem }),
    ApiResponse({ status: 404, ...problem }),
    ApiResponse({ status: 429, ...problem }),
  );
}
