import { Injectable } from '@nestjs/common';
import type { BaseModel } from '@potluck/protocol';
import { MODEL_REGISTRY } from '@potluck/trainer';

/** The base models this coordinator knows: today the builtin trainer's (libs/trainer). */
@Injectable()
export class ModelRegistry {
  private readonly models: ReadonlyMap<string, BaseModel> = new Map(
    [...MODEL_REGISTRY.values()].map((model) => [
      model.id,
      { id: model.id, description: model.description, parameters: model.parameters, contextLength: model.contextLength, runtimes: [...model.runtimes], minVramMiB: 0 },
    ]),
  );

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
