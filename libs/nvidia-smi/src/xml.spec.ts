import type { Gpu } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { fixtureNames, hasNonFiniteNumber, inventoryOf, readFixture } from './testing/smi-fixtures.js';
import { parseXml } from './xml.js';

const xml = (name: string) => inventoryOf(parseXml(readFixture('xml', name)));

/** The fields most goldens pin, as one compact row. */
const row = (gpu: Gpu) => [
  gpu.index,
  gpu.name,
  gpu.busId,
  gpu.persistenceMode,
  gpu.memoryUsedMiB,
  gpu.memoryTotalMiB,
  gpu.utilizationGpuPct,
  gpu.temperatureC,
  gpu.fanSpeedPct,
  gpu.pstate,
  gpu.powerDrawW,
  gpu.powerLimitW,
];

/** A document of `gpuCount` GPUs made of the GPUs of a real two-GPU file. */
function withGpuCount(gpuCount: number): string {
  const source = readFixture('xml', 'telegraf__dual_2080-v13.xml');
  const start = source.indexOf('<gpu id=');
  const end = source.lastIndexOf('</nvidia_smi_log>');
  return source.slice(0, start) + source.slice(start, end).repeat(gpuCount / 2) + source.slice(end);
}

describe('parseXml: every fixture', () => {
  it.each(fixtureNames('xml'))('%s gives a valid inventory', (name) => {
    const inventory = xml(name);
    expect(inventory.format).toBe('xml');
    expect(inventory.gpus.length).toBeGreaterThan(0);
    expect(hasNonFiniteNumber(inventory)).toBe(false);
    for (const gpu of inventory.gpus) expect(gpu.name).not.toBe('');
  });
});

describe('parseXml: drivers up to 418 (DTD v7 to v10)', () => {
  it('reads DTD v7 (driver 352) with its DTD inlined, without interpreting it', () => {
    const inventory = xml('rai-nvidia-smi__example2.xml');
    expect(inventory).toMatchObject({ timestamp: 'Sat Feb 11 23:35:08 2017', driverVersion: '352.99', cudaVersion: null, processes: [] });
    expect(inventory.gpus.map(row)).toEqual([[0, 'GRID K520', '00000000:00:03.0', true, 11, 4095, 0, 30, null, 'P8', 17.95, 125]]);
    expect(inventory.gpus[0]?.uuid).toBe('GPU-cc96d6f4-7f66-e1fc-8179-a45dbd47664c');
  });

  it('pins every field of a driver 418 Quadro with one process', () => {
    const inventory = xml('nvidia-smi-exporter-a0s__nvidia-smi-4.xml');
    expect(inventory).toMatchObject({ timestamp: 'Fri Sep 27 11:00:44 2019', driverVersion: '418.56', cudaVersion: '10.1' });
    expect(inventory.gpus[0]).toEqual({
      index: 0,
      uuid: 'GPU-1ffe36ef-ac55-60ad-f9cf-623871e7736d',
      name: 'Quadro P2000',
      busId: '00000000:04:00.0',
      serial: '0324217004816',
      vbiosVersion: '86.06.3F.00.0D',
      virtualizationMode: 'None',
      persistenceMode: false,
      memoryTotalMiB: 5059,
      memoryUsedMiB: 319,
      memoryFreeMiB: 4740,
      utilizationGpuPct: 0,
      utilizationMemoryPct: 0,
      temperatureC: 62,
      fanSpeedPct: 61,
      pstate: 'P0',
      powerDrawW: 20.32,
      powerLimitW: 75,
      clocksGraphicsMHz: 1215,
      clocksSmMHz: 1215,
      clocksMemoryMHz: 3499,
      clocksMaxGraphicsMHz: 1721,
      clocksMaxMemoryMHz: 3504,
      computeCapability: null,
      migEnabled: null,
      migDevices: [],
    });
    expect(inventory.processes).toEqual([
      { gpuUuid: 'GPU-1ffe36ef-ac55-60ad-f9cf-623871e7736d', gpuIndex: 0, pid: 7134, type: 'C', name: '/usr/lib/plexmediaserver/Plex Transcoder', usedMemoryMiB: 309 },
    ]);
  });

  it('numbers GPUs by position, not by minor number, and reads a CUDA version of "Not Found" as null', () => {
    const inventory = xml('pai__nvidia_smi_out_of_order.xml');
    expect(inventory.driverVersion).toBe('430.26');
    expect(inventory.cudaVersion).toBeNull();
    expect(inventory.gpus.map(row)).toEqual([
      [0, 'Tesla K80', '00001580:00:00.0', false, 587, 11441, 99, 64, null, 'P0', 135.72, 149],
      [1, 'Tesla K80', '00002DF7:00:00.0', false, 587, 11441, 99, 69, null, 'P0', 139.71, 149],
      [2, 'Tesla K80', '00004968:00:00.0', false, 0, 11441, 0, 28, null, 'P8', 32.27, 149],
      [3, 'Tesla K80', '0000F8D6:00:00.0', false, 0, 11441, 0, 26, null, 'P8', 34.44, 149],
    ]);
    expect(inventory.processes?.map((process) => [process.gpuIndex, process.pid, process.name, process.usedMemoryMiB])).toEqual([
      [0, 58813, 'python', 576],
      [1, 58642, 'python', 576],
    ]);
  });

  it('keeps what a hand-trimmed file holds and leaves the rest null (no processes element: processes null)', () => {
    const inventory = xml('telegraf__gtx-1070-ti.xml');
    expect(inventory).toMatchObject({ timestamp: null, driverVersion: null, cudaVersion: null, processes: null });
    expect(inventory.gpus.map(row)).toEqual([[0, 'GeForce GTX 1070 Ti', '00000000:01:00.0', null, 42, 4096, 0, 39, 100, 'P8', null, null]]);
  });

  it('reads all-N/A utilisation as null, never 0', () => {
    const [gpu] = xml('pai__nvidia_smi_outdated_gpu.xml').gpus;
    expect([gpu?.utilizationGpuPct, gpu?.utilizationMemoryPct, gpu?.memoryTotalMiB, gpu?.persistenceMode]).toEqual([null, null, null, true]);
  });
});

describe('parseXml: driver 535 renames and DTD v13', () => {
  it('reads gpu_power_readings (535) and ignores module_power_readings', () => {
    const [gpu] = xml('netdata-go.d.plugin__rtx-4090-driver-535.xml').gpus;
    expect([gpu?.powerDrawW, gpu?.powerLimitW]).toEqual([26.84, 450]);
  });

  it('falls back from an N/A average_power_draw to instant_power_draw (590, two GPUs, empty process lists)', () => {
    const inventory = xml('telegraf__dual_2080-v13.xml');
    expect(inventory).toMatchObject({ driverVersion: '590.44.01', cudaVersion: '13.1', processes: [] });
    expect(inventory.gpus.map(row)).toEqual([
      [0, 'NVIDIA GeForce RTX 2080', '00000000:01:00.0', true, 1, 8192, 0, 15, 31, 'P8', 1, 215],
      [1, 'NVIDIA GeForce RTX 2080', '00000000:02:00.0', true, 1, 8192, 0, 15, 32, 'P8', 1.62, 215],
    ]);
  });

  it('prefers average_power_draw when both are printed (595)', () => {
    const [gpu] = xml('telegraf__rtx-3080-v13.xml').gpus;
    expect([gpu?.powerDrawW, gpu?.powerLimitW]).toEqual([139.62, 320]);
  });

  it("reads driver 610's kmd_version / cuda_umd_version and strips the deprecation note (synthetic: no 610 XML sample yet)", () => {
    const source = readFixture('xml', 'telegraf__rtx-3080-v13.xml').replace(
      /<driver_version>.*<\/driver_version>\s*<cuda_version>.*<\/cuda_version>/,
      '<driver_version>610.57.04 [Deprecated; will be removed in CUDA 14.0. Use KMD Version instead]</driver_version>' +
        '<cuda_version>13.3 [Deprecated; will be removed in CUDA 14.0. Use CUDA UMD Version instead]</cuda_version>' +
        '<kmd_version>610.57.04</kmd_version><cuda_umd_version>13.3</cuda_umd_version>',
    );
    expect(inventoryOf(parseXml(source))).toMatchObject({ driverVersion: '610.57.04', cudaVersion: '13.3' });
    const deprecatedOnly = source.replace(/<kmd_version>.*<\/cuda_umd_version>/, '');
    expect(inventoryOf(parseXml(deprecatedOnly))).toMatchObject({ driverVersion: '610.57.04', cudaVersion: '13.3' });
  });

  it('finds the power limit nested one level deeper, as 610 does in -q text (synthetic)', () => {
    const source = readFixture('xml', 'telegraf__rtx-3080-v13.xml').replace(
      /<current_power_limit>320.00 W<\/current_power_limit>/,
      '<gpu_ceiling_power_limit><current_power_limit>320.00 W</current_power_limit></gpu_ceiling_power_limit>',
    );
    expect(inventoryOf(parseXml(source)).gpus[0]?.powerLimitW).toBe(320);
  });
});

describe('parseXml: MIG', () => {
  it('reads MIG devices with instance ids, memory and the profile derived from SMs and memory (A100 80GB, 535)', () => {
    const [gpu] = xml('telegraf__a100-sxm4-v12.xml').gpus;
    expect(gpu).toMatchObject({ name: 'NVIDIA A100-SXM4-80GB', migEnabled: true, utilizationGpuPct: null, powerDrawW: 67.03, powerLimitW: 500 });
    expect(gpu?.migDevices).toHaveLength(4);
    expect(gpu?.migDevices[0]).toEqual({
      index: 0,
      gpuInstanceId: 3,
      computeInstanceId: 0,
      uuid: null,
      profile: '1g.20gb',
      smCount: 14,
      memoryTotalMiB: 19968,
      memoryUsedMiB: 12,
    });
    expect(gpu?.migDevices.map((device) => device.gpuInstanceId)).toEqual([3, 4, 5, 6]);
  });

  it('reads <mig_devices>None</mig_devices> as no MIG devices', () => {
    const [gpu] = xml('telegraf__dual_2070-v13.xml').gpus;
    expect([gpu?.migEnabled, gpu?.migDevices]).toEqual([null, []]);
  });
});

describe('parseXml: Windows', () => {
  it('reads WDDM output: minor number and persistence N/A, process memory N/A, Windows paths', () => {
    const inventory = xml('netdata-go.d.plugin__rtx-2080-win.xml');
    expect(inventory).toMatchObject({ driverVersion: '516.59', cudaVersion: '11.7' });
    expect(inventory.gpus.map(row)).toEqual([[0, 'NVIDIA GeForce RTX 2080', '00000000:0A:00.0', null, 862, 8192, 2, 29, 37, 'P8', 14.5, 275]]);
    expect(inventory.processes).toHaveLength(26);
    expect(inventory.processes?.[0]).toEqual({
      gpuUuid: 'GPU-fbd55ed4-1eec-4423-0a47-ad594b4333e3',
      gpuIndex: 0,
      pid: 7724,
      type: 'C+G',
      name: 'C:\\Program Files\\WindowsApps\\Microsoft.YourPhone_1.22062.543.0_x64__8wekyb3d8bbwe\\PhoneExperienceHost.exe',
      usedMemoryMiB: null,
    });
  });

  it('keeps a process whose name is empty (Windows service processes)', () => {
    const processes = xml('telegraf__tesla_t4.xml').processes ?? [];
    expect(processes.length).toBeGreaterThan(0);
    expect(processes[0]).toMatchObject({ pid: 2320, type: 'C+G', name: '', usedMemoryMiB: null });
  });
});

/** A minimal vGPU document in the shape nvidia-smi prints (synthetic: no vGPU XML among the fixtures). */
function vgpuDocument(virtualizationMode: string, extra: string): string {
  return `<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">
<nvidia_smi_log>
  <timestamp>Mon Mar  4 10:00:00 2024</timestamp>
  <driver_version>535.154.05</driver_version>
  <cuda_version>12.2</cuda_version>
  <attached_gpus>1</attached_gpus>
  <gpu id="00000000:02:00.0">
    <product_name>NVIDIA A16-4Q</product_name>
    <uuid>GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee</uuid>
    <gpu_virtualization_mode>
      <virtualization_mode>${virtualizationMode}</virtualization_mode>
      <host_vgpu_mode>N/A</host_vgpu_mode>
    </gpu_virtualization_mode>
    <vgpu_software_licensed_product>
      <licensed_product_name>NVIDIA Virtual Compute Server</licensed_product_name>
      <license_status>Licensed (Expiry: 2025-3-19 7:29:4 GMT)</license_status>
    </vgpu_software_licensed_product>
    ${extra}
    <fb_memory_usage><total>4096 MiB</total><used>512 MiB</used><free>3584 MiB</free></fb_memory_usage>
    <processes></processes>
  </gpu>
</nvidia_smi_log>`;
}

describe('parseXml: vGPU', () => {
  it('reads a vGPU guest: the GPU is the vGPU profile, the licence product name is not the GPU name', () => {
    const inventory = inventoryOf(parseXml(vgpuDocument('VGPU', '')));
    expect(inventory.gpus[0]).toMatchObject({ name: 'NVIDIA A16-4Q', virtualizationMode: 'VGPU', memoryTotalMiB: 4096, memoryUsedMiB: 512 });
  });

  it('reads a vGPU host without mistaking the hosted vGPUs for the GPU', () => {
    const hosted = `<vgpus><vgpu_instance id="3251634213"><vm_name>guest-1</vm_name><vgpu_name>NVIDIA A16-8Q</vgpu_name>
      <fb_memory_usage><total>8192 MiB</total><used>8000 MiB</used></fb_memory_usage><processes><process_info><pid>1</pid></process_info></processes>
      </vgpu_instance></vgpus>`;
    const inventory = inventoryOf(parseXml(vgpuDocument('Host VGPU', hosted)));
    expect(inventory.gpus).toHaveLength(1);
    expect(inventory.gpus[0]).toMatchObject({ name: 'NVIDIA A16-4Q', virtualizationMode: 'Host VGPU', memoryTotalMiB: 4096 });
    expect(inventory.processes).toEqual([]);
  });
});

describe('parseXml: damaged input', () => {
  it('keeps the GPUs before the point where the output was cut', () => {
    const source = readFixture('xml', 'pai__nvidia_smi_out_of_order.xml');
    const cut = source.slice(0, source.indexOf('<gpu id="00004968:00:00.0">') + 200);
    const inventory = inventoryOf(parseXml(cut));
    expect(inventory.gpus.map((gpu) => gpu.busId)).toEqual(['00001580:00:00.0', '00002DF7:00:00.0', '00004968:00:00.0']);
    expect(inventory.gpus[2]?.memoryTotalMiB).toBeNull();
  });

  it('never trusts a value cut in half', () => {
    const source = readFixture('xml', 'nvidia-smi-exporter-a0s__nvidia-smi-4.xml');
    const cut = source.slice(0, source.indexOf('<total>') + '<total>50'.length);
    expect(inventoryOf(parseXml(cut)).gpus[0]?.memoryTotalMiB).toBeNull();
  });

  it('reads Windows line endings and a byte-order mark like plain text', () => {
    const source = readFixture('xml', 'netdata-go.d.plugin__rtx-2080-win.xml');
    expect(inventoryOf(parseXml(`\uFEFF${source.replace(/\n/g, '\r\n')}`))).toEqual(inventoryOf(parseXml(source)));
  });

  it.each([
    ['empty', ''],
    ['no root element', '<?xml version="1.0" ?>\n<other/>'],
    ['not XML', 'Failed to initialize NVML: Unknown Error'],
  ])('answers UNRECOGNIZED for %s', (_label, input) => {
    const result = parseXml(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('UNRECOGNIZED');
  });

  it('decodes the predefined entities in values and leaves unknown ones alone', () => {
    const source = vgpuDocument('None', '').replace('<processes></processes>', '<processes><process_info><pid>7</pid><process_name>a &amp; b &lt;c&gt; &#x41;&#66; &unknown;</process_name></process_info></processes>');
    expect(inventoryOf(parseXml(source)).processes?.[0]?.name).toBe('a & b <c> AB &unknown;');
  });
});

describe('parseXml: scale', () => {
  // How fast it parses is measured by `npm run bench:nvidia-smi` (numbers in docs/performance.md),
  // not by a timed test: this one only catches a parser whose work grows faster than its input.
  it('does work linear in the number of GPUs (64 GPUs cost under 16 times 8 GPUs)', () => {
    const small = withGpuCount(8);
    const large = withGpuCount(64);
    expect(inventoryOf(parseXml(large)).gpus).toHaveLength(64);
    const medianOf = (source: string) => {
      for (let warmup = 0; warmup < 20; warmup++) parseXml(source);
      const timings: number[] = [];
      for (let run = 0; run < 41; run++) {
        const started = performance.now();
        parseXml(source);
        timings.push(performance.now() - started);
      }
      return timings.sort((a, b) => a - b)[20]!;
    };
    // Eight times the input: linear work is about 8x; quadratic would be about 64x.
    expect(medianOf(large) / medianOf(small)).toBeLessThan(16);
  });
});
