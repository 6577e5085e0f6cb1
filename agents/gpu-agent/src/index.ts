/** `@potluck/gpu-agent`: the volunteer agent. The executable is `main.ts` (`potluck-agent`). */
export { COMMANDS, runCli, usage } from './cli.js';
export { EXIT, type CliDeps, type Command, type ExitCode } from './cli-types.js';
export { createSpawnExecutor, type NvidiaSmiExecutor, type NvidiaSmiRun, type SpawnExecutorOptions } from './nvidia-smi/executor.js';
