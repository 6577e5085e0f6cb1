/**
 * MIG profile names (`1g.10gb`, `3g.71gb`, `2c.3g.71gb`) are not printed by `-q` or `-q -x`;
 * they can be derived only for products whose MIG geometry is known: the slice count from
 * the streaming-multiprocessor count of the instance, the memory label from the share of
 * the parent's memory (MIG memory slices are eighths). Anything else stays `null` rather
 * than a guess.
 */
import type { MigDevice } from '@potluck/protocol';

interface MigGeometry {
  /** Matches the parent GPU's product name. */
  readonly product: RegExp;
  /** SM count of a whole GPU instance → its slice count (`Ng`). */
  readonly slicesBySmCount: ReadonlyMap<number, number>;
  /** Memory eighths of the parent → the memory label of the profile (`…gb`). */
  readonly memoryLabelByEighths: ReadonlyMap<number, string>;
}

const AMPERE_SLICES = new Map([[14, 1], [28, 2], [42, 3], [56, 4], [98, 7]]);
const HOPPER_SXM_SLICES = new Map([[16, 1], [32, 2], [60, 3], [64, 4], [132, 7]]);

/** Ordered most specific first. Sources: NVIDIA MIG user guide profile tables, checked against the fixtures. */
const GEOMETRIES: readonly MigGeometry[] = [
  { product: /A100.*80GB/i, slicesBySmCount: AMPERE_SLICES, memoryLabelByEighths: new Map([[1, '10gb'], [2, '20gb'], [4, '40gb'], [8, '80gb']]) },
  { product: /A100/i, slicesBySmCount: AMPERE_SLICES, memoryLabelByEighths: new Map([[1, '5gb'], [2, '10gb'], [4, '20gb'], [8, '40gb']]) },
  { product: /H200/i, slicesBySmCount: HOPPER_SXM_SLICES, memoryLabelByEighths: new Map([[1, '18gb'], [2, '35gb'], [4, '71gb'], [8, '141gb']]) },
  { product: /H100.*(80GB HBM3|SXM)/i, slicesBySmCount: HOPPER_SXM_SLICES, memoryLabelByEighths: new Map([[1, '10gb'], [2, '20gb'], [4, '40gb'], [8, '80gb']]) },
];

export interface MigProfileContext {
  readonly productName: string;
  /** Total memory of the parent GPU. */
  readonly parentMemoryMiB: number | null;
}

/**
 * Fills in `profile` for each MIG device whose profile can be derived. A compute instance
 * that is the only one in its GPU instance owns all its SMs and gets the GPU-instance
 * profile (`3g.40gb`); when a GPU instance is split between several compute instances the
 * split is not printed, so those stay `null`.
 */
export function withDerivedProfiles(devices: readonly MigDevice[], context: MigProfileContext): MigDevice[] {
  const geometry = GEOMETRIES.find((candidate) => candidate.product.test(context.productName));
  const instancesPerGpuInstance = new Map<number | null, number>();
  for (const device of devices) {
    instancesPerGpuInstance.set(device.gpuInstanceId, (instancesPerGpuInstance.get(device.gpuInstanceId) ?? 0) + 1);
  }
  return devices.map((device) => {
    if (device.profile !== null || !geometry || device.gpuInstanceId === null) return device;
    if (instancesPerGpuInstance.get(device.gpuInstanceId) !== 1) return device;
    return { ...device, profile: deriveProfile(device, geometry, context.parentMemoryMiB) };
  });
}

function deriveProfile(device: MigDevice, geometry: MigGeometry, parentMemoryMiB: number | null): string | null {
  if (device.smCount === null || device.memoryTotalMiB === null || !parentMemoryMiB) return null;
  const slices = geometry.slicesBySmCount.get(device.smCount);
  const eighths = Math.round((8 * device.memoryTotalMiB) / parentMemoryMiB);
  const memoryLabel = geometry.memoryLabelByEighths.get(eighths);
  return slices !== undefined && memoryLabel !== undefined ? `${slices}g.${memoryLabel}` : null;
}
