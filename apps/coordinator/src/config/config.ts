import { ConfigSchema, type AppConfig } from './config.schema.js';

/** A missing or invalid setting; `variables` names each one. */
export class ConfigError extends Error {
  constructor(readonly variables: readonly { name: string; problem: string }[]) {
    super(`Invalid configuration: ${variables.map((v) => `${v.name} (${v.problem})`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  const result = ConfigSchema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      name: String(issue.path[0] ?? '(root)'),
      problem: issue.code === 'invalid_type' && issue.input === undefined ? 'required but not set' : issue.message,
    })),
  );
}

/** Injection token for the parsed configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export type { AppConfig };
