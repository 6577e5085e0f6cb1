import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ValidationError } from './errors.js';

/** Validates a body, query or param with a protocol schema; errors list every field. */
@Injectable()
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.infer<T> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const where = metadata.type === 'custom' ? 'input' : metadata.type;
    throw new ValidationError(
      result.error.issues.map((issue) => ({
        field: [where, ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    );
  }
}
