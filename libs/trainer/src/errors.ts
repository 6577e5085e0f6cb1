/** Errors the trainer raises for inputs no retry can fix, each with a stable code. */
export type TrainerErrorCode =
  | 'unknown_model'
  | 'invalid_spec'
  | 'invalid_row'
  | 'empty_dataset'
  | 'invalid_checkpoint'
  | 'checkpoint_mismatch'
  | 'invalid_adapter'
  | 'adapter_mismatch';

export class TrainerError extends Error {
  override readonly name = 'TrainerError';

  constructor(
    readonly code: TrainerErrorCode,
    message: string,
  ) {
    super(message);
  }
}
