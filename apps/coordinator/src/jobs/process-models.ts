import type { BaseModel } from '@potluck/protocol';

/**
 * Base models that only `process` commands run (docs/process-runtime.md): the command a job
 * names decides how; the registry gives their parameter counts (credit needs them).
 */
export const PROCESS_MODELS: readonly BaseModel[] = [
  {
    id: 'potluck-toy-bigram-v1',
    description: 'Byte-level bigram table (256 × 256 logits, starts uniform) of the reference process command examples/process-runtime/toy-trainer.mjs',
    parameters: 256 * 256,
    contextLength: 2,
    runtimes: ['process'],
    minVramMiB: 0,
  },
  {
    id: 'Qwen/Qwen2.5-0.5B',
    description: 'Qwen2.5 0.5B (Hugging Face), LoRA with transformers + peft by examples/process-runtime/hf_lora.py; needs a GPU',
    parameters: 494_032_768,
    contextLength: 32_768,
    runtimes: ['process'],
    minVramMiB: 8_192,
  },
];
