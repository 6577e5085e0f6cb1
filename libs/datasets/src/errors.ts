/** Errors a dataset transform raises for inputs no retry can fix, each with a stable code. */
export type DatasetTransformErrorCode =
  /** The operation is well-formed but impossible (shard index ≥ shards, minChars > maxChars). */
  | 'invalid_operation'
  /** A convert from a form that cannot become the target form (text → chat or instruction). */
  | 'unconvertible_form'
  /** A row was pushed with a form its shape does not have. */
  | 'form_mismatch';

export class DatasetTransformError extends Error {
  override readonly name = 'DatasetTransformError';

  constructor(
    readonly code: DatasetTransformErrorCode,
    message: string,
  ) {
    super(message);
  }
}
