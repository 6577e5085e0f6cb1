import { Param } from '@nestjs/common';
import { z } from 'zod';
import { ZodPipe } from './zod.pipe.js';

/** A route parameter that must be a UUID (anything else is a 400 naming the parameter). */
export const UuidParam = (name: string) => Param(name, new ZodPipe(z.uuid()));
