/** Codes of the errors this package throws; all are caller bugs or bad input, none is fixed by a retry. */
export type CreditsErrorCode = 'invalid_input' | 'invalid_config' | 'unknown_gpu_peak';

export class CreditsError extends Error {
  constructor(
    readonly code: CreditsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CreditsError';
  }
}
