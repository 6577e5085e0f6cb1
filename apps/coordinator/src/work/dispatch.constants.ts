/** Attempts per job before it fails for good (attempts their donors handed back, HANDED_BACK_CODES in the protocol, do not count). */
export const MAX_ATTEMPTS = 5;
/** Attempts per job in all, hand-backs included: a bound, so that no job is handed around for ever. */
export const MAX_ATTEMPTS_IN_ALL = 50;
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
