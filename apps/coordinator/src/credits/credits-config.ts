import { parseCreditsConfig, type CreditsConfig, type CreditsConfigInput } from '@potluck/credits';
import type { AppConfig } from '../config/config.js';

/** Injection token of the parsed credit constants (POTLUCK_CREDITS_CONFIG over the CREDITS.md defaults). */
export const CREDITS_CONFIG = Symbol('CREDITS_CONFIG');

/** Parsed once at boot: an unknown key or out-of-range value stops the start (CreditsError). */
export function creditsConfigOf(config: AppConfig): CreditsConfig {
  return parseCreditsConfig(config.POTLUCK_CREDITS_CONFIG as CreditsConfigInput);
}

/** Whether this attempt's agent may earn credit (simulated agents only where the operator allows). */
export function simulatedMayEarn(config: AppConfig): boolean {
  return config.POTLUCK_ALLOW_SIMULATED_CREDIT ?? config.NODE_ENV === 'development';
}
