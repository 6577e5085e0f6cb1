import type { NvidiaSmiErrorCode } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { detectError, isErrorLine } from './errors.js';
import { fixtureNames, readFixture } from './testing/smi-fixtures.js';

/** Every file of `errors/`, read by eye, with the code it must give. */
const ERROR_FIXTURES: Readonly<Record<string, NvidiaSmiErrorCode>> = {
  'issues-GoogleCloudPlatform-compute-gpu-installation-pr18__couldnt-communicate.txt': 'DRIVER_NOT_LOADED',
  'issues-NVIDIA-nvidia-docker-1671__nvml-unknown-error.txt': 'NVML_UNKNOWN_ERROR',
  'issues-NVIDIA-open-gpu-kernel-modules-862__no-devices-were-found.txt': 'NO_DEVICES',
  'issues-intel-llvm-17614__nvml-version-mismatch-550.txt': 'DRIVER_LIBRARY_MISMATCH',
  'issues-lyulyul-shine-cluster-30__nvml-version-mismatch-old.txt': 'DRIVER_LIBRARY_MISMATCH',
  'issues-pdbear-syno_nvidia_gpu_driver-22__device-handle-unknown-error-2024.txt': 'NVML_UNKNOWN_ERROR',
  'issues-projectbluefin-dakota-373__no-libnvidia-ml.txt': 'NVML_LIBRARY_NOT_FOUND',
  'issues-xxd3vin-workspace-19__device-handle-unknown-error-2015.txt': 'NVML_UNKNOWN_ERROR',
};

describe('detectError: the fixtures', () => {
  it('has a pinned code for every file in errors/', () => {
    expect(fixtureNames('errors')).toEqual(Object.keys(ERROR_FIXTURES).sort());
  });

  it.each(Object.entries(ERROR_FIXTURES))('%s is %s', (name, code) => {
    const error = detectError(readFixture('errors', name));
    expect(error?.code).toBe(code);
    expect(error?.message.length).toBeGreaterThan(0);
  });

  it('keeps the first line of a multi-line message as the message', () => {
    expect(detectError(readFixture('errors', 'issues-intel-llvm-17614__nvml-version-mismatch-550.txt'))?.message).toBe(
      'Failed to initialize NVML: Driver/library version mismatch',
    );
  });

  const inventories = (['xml', 'qtext', 'table', 'csv'] as const).flatMap((folder) => fixtureNames(folder).map((name): [string, string] => [folder, name]));
  it.each(inventories)('finds no error in %s/%s', (folder, name) => {
    expect(detectError(readFixture(folder, name))).toBeNull();
  });
});

describe('detectError: message families beyond the fixtures', () => {
  it.each<[string, NvidiaSmiErrorCode]>([
    ['NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running. This can also be happening if non-NVIDIA GPU is running as primary display, and NVIDIA GPU is in WDDM mode.', 'DRIVER_NOT_LOADED'],
    ['Failed to initialize NVML: Driver Not Loaded', 'DRIVER_NOT_LOADED'],
    ['bash: nvidia-smi: command not found', 'DRIVER_NOT_LOADED'],
    ['No devices were found', 'NO_DEVICES'],
    ['Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 535.183', 'DRIVER_LIBRARY_MISMATCH'],
    ['Unable to determine the device handle for GPU 0000:02:00.0: GPU is lost.  Reboot the system to recover this GPU', 'GPU_LOST'],
    ['Unable to determine the device handle for GPU0000:3B:00.0: GPU is lost. Reboot the system to recover this GPU', 'GPU_LOST'],
    ['Unable to determine the device handle for gpu 0000:81:00.0: Unknown Error', 'NVML_UNKNOWN_ERROR'],
    ['Unable to determine the device handle for GPU 0000:01:00.0: GPU requires reset', 'GPU_LOST'],
    ['Failed to initialize NVML: Unknown Error', 'NVML_UNKNOWN_ERROR'],
    ['Failed to initialize NVML: GPU access blocked by the operating system', 'NVML_UNKNOWN_ERROR'],
    ['NVML Shared Library Not Found', 'NVML_LIBRARY_NOT_FOUND'],
    ['Failed to initialize NVML: NVML Shared Library Not Found', 'NVML_LIBRARY_NOT_FOUND'],
    ['nvidia-smi: error while loading shared libraries: libnvidia-ml.so.1: cannot open shared object file: No such file or directory', 'NVML_LIBRARY_NOT_FOUND'],
    ['Failed to initialize NVML: Insufficient Permissions', 'INSUFFICIENT_PERMISSIONS'],
    ['Failed to initialize NVML: could not open /dev/nvidiactl: Permission denied', 'INSUFFICIENT_PERMISSIONS'],
    ['  FAILED TO INITIALIZE NVML: UNKNOWN ERROR  ', 'NVML_UNKNOWN_ERROR'],
    ['Failed to initialize NVML: Unknown Error\r\n', 'NVML_UNKNOWN_ERROR'],
  ])('%j is %s', (output, code) => {
    expect(detectError(output)?.code).toBe(code);
  });
});

describe('detectError: inventories are not errors', () => {
  it.each([
    ['a placeholder value in -q text', '    Used GPU Memory               : Insufficient Permissions\n    Fan Speed : [Unknown Error]'],
    ['a placeholder in CSV', 'name, fan.speed [%]\nGeForce GTX 1080 Ti, [Unknown Error]'],
    ['a table row', '|    0                    Not Supported                                       |'],
    ['an XML value', '<nvidia_smi_log><gpu><process_name>Failed to initialize NVML</process_name></gpu></nvidia_smi_log>'],
    ['nothing', ''],
  ])('%s', (_label, output) => {
    expect(detectError(output)).toBeNull();
  });

  it('finds the error line above otherwise usable output (one GPU lost out of several)', () => {
    const table = readFixture('table', 'nvidia-htop__FAKE_STDIN.txt');
    const output = `Unable to determine the device handle for GPU0000:07:00.0: GPU is lost. Reboot the system to recover this GPU\n${table}`;
    expect(detectError(output)).toEqual({
      code: 'GPU_LOST',
      message: 'Unable to determine the device handle for GPU0000:07:00.0: GPU is lost. Reboot the system to recover this GPU',
    });
  });

  it('tells error lines from inventory lines', () => {
    expect(isErrorLine('No devices were found')).toBe(true);
    expect(isErrorLine('| No running processes found |')).toBe(false);
    expect(isErrorLine('Driver Version : 535.54.03')).toBe(false);
  });
});
