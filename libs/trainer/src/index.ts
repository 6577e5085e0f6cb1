/**
 * The reference trainer of the `builtin` runtime: a byte-level transformer with frozen
 * base weights generated from its id, LoRA (or full) fine-tuning with AdamW on CPU,
 * bit-reproducible for a given seed on any machine, resumable from JSON checkpoints,
 * and counting its exact FLOPs. Pure computation: rows in, numbers and bytes out.
 */
export { BOS, EOS, PAD, VOCAB_SIZE, decode, encode } from './tokenizer.js';
export {
  ASSISTANT_ROLE,
  ChatMessageSchema,
  ChatRowSchema,
  DatasetRowSchema,
  InstructionRowSchema,
  TextRowSchema,
  countTokens,
  estimateTokens,
  formatExample,
} from './rows.js';
export type { ChatMessage, DatasetRow, FormattedExample, LossOn } from './rows.js';
export { isHeldOut, splitRows } from './split.js';
export { parseRows } from './data.js';
export { MODEL_REGISTRY, SMALL_BYTE_V1, TINY_BYTE_V1, findModel, parameterCount } from './models.js';
export type { ModelArchitecture, ModelEntry } from './models.js';
export { LORA_TARGETS } from './network.js';
export type { AdapterLayout, LoraTarget, Method } from './network.js';
export { TrainerSpecSchema } from './spec.js';
export type { TrainerSpec, TrainerSpecInput } from './spec.js';
export { TrainingSession, layoutOf, parseSpec } from './session.js';
export type { SessionInput, StepReport } from './session.js';
export { train } from './train.js';
export type { HeldOutReport, TrainCompleted, TrainOptions, TrainProgress, TrainResult, TrainStopped } from './train.js';
export { evaluate, uniformLoss } from './evaluate.js';
export type { EvalResult, EvaluateOptions } from './evaluate.js';
export { CHECKPOINT_FORMAT, TrainerCheckpointSchema, parseCheckpoint } from './checkpoint.js';
export type { TrainerCheckpoint } from './checkpoint.js';
export { ADAPTER_FORMAT, adapterFromBytes, adapterSha256, adapterToBytes } from './adapter.js';
export type { Adapter } from './adapter.js';
export { creditFormulaFlops, windowMacs } from './flops.js';
export type { FlopCount, WorkKind } from './flops.js';
export { TrainerError } from './errors.js';
export type { TrainerErrorCode } from './errors.js';
export type { Tensor } from './tensor.js';
export { sampleChatRows } from './sample-data.js';
