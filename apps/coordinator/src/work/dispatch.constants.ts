/** Attempts per job before it fails for good. */
export const MAX_ATTEMPTS = 5;
/** One-time transfer URLs expire after this long. */
export const TRANSFER_TTL_MS = 10 * 60_000;
/** Largest adapter an agent may upload. */
export const MAX_ADAPTER_BYTES = 512 * 1024 * 1024;
/** Largest checkpoint an agent may upload. */
export const MAX_CHECKPOINT_BYTES = 2 * 1024 * 1024 * 1024;
/** Largest eval report an agent may upload. */
export const MAX_REPORT_BYTES = 16 * 1024 * 1024;
/** Largest dataset job output an agent may upload (the dataset upload limit applies too). */
export const MAX_DATASET_OUTPUT_BYTES = 2 * 1024 * 1024 * 1024;
/** Log lines kept per job (the latest). */
export const JOB_LOG_LINES = 500;
