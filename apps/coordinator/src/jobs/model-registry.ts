import { Injectable } from '@nestjs/common';
import type { BaseModel } from '@potluck/protocol';
import { MODEL_REGISTRY } from '@potluck/trainer';
import { PROCESS_MODELS } from './process-models.js';

/** The base models this coordinator knows: the builtin trainer's (libs/trainer) and those only process commands run. */
@Injectable()
export class ModelRegistry {
  private readonly models: ReadonlyMap<string, BaseModel> = new Map([
    ...[...MODEL_REGISTRY.values()].map((model): [string, BaseModel] => [
      model.id,
      { id: model.id, description: model.description, parameters: model.parameters, contextLength: model.contextLength, runtimes: [...model.runtimes], minVramMiB: 0 },
    ]),
    ...PROCESS_MODELS.map((model): [string, BaseModel] => [model.id, model]),
  ]);

  find(id: string): BaseModel | undefined {
    return this.models.get(id);
  }

  ids(): string[] {
    return [...this.models.keys()];
  }

  all(): BaseModel[] {
    return [...this.models.values()];
  }
}
