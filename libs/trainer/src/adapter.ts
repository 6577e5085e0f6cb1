/**
 * The trained result as an artifact: the tensors of an adapter (LoRA factors and head
 * bias, or every weight for `full`) for one base model.
 *
 * Bytes: "PLADAPT1" · u32 LE header length · UTF-8 JSON header
 *   {format, baseModel, method, rank, alpha, targets, headBias, tensors: [{name, shape}]}
 * · the tensors' float64 values, little-endian, in header order. Same adapter, same bytes.
 */
import { z } from 'zod';
import { readFloat64s, writeFloat64s } from './codec.js';
import { TrainerError } from './errors.js';
import { sha256Hex } from './hash.js';
import { findModel } from './models.js';
import { type AdapterLayout, LORA_TARGETS, trainedTensorLayout } from './network.js';
import { type Tensor, sizeOf } from './tensor.js';

export const ADAPTER_FORMAT = 'potluck-adapter/1';
const MAGIC = 'PLADAPT1';

export interface Adapter {
  readonly baseModel: string;
  readonly layout: AdapterLayout;
  readonly tensors: readonly Tensor[];
}

const AdapterHeaderSchema = z.object({
  format: z.literal(ADAPTER_FORMAT),
  baseModel: z.string().min(1),
  method: z.enum(['lora', 'full']),
  rank: z.number().int().min(0),
  alpha: z.number(),
  targets: z.array(z.enum(LORA_TARGETS)),
  headBias: z.boolean(),
  tensors: z.array(z.object({ name: z.string().min(1), shape: z.array(z.number().int().min(0)) })),
});

/** Checks that the tensors are exactly those the layout prescribes for the base model. */
export function assertAdapterShape(adapter: Adapter): void {
  const model = findModel(adapter.baseModel);
  if (model === undefined) throw new TrainerError('unknown_model', `adapter base model ${adapter.baseModel} is not in the registry`);
  const expected = trainedTensorLayout(model.architecture, adapter.layout);
  const fits =
    expected.length === adapter.tensors.length &&
    expected.every((spec, i) => {
      const t = adapter.tensors[i]!;
      return t.name === spec.name && t.shape.join('x') === spec.shape.join('x') && t.data.length === sizeOf(spec.shape);
    });
  if (!fits) throw new TrainerError('invalid_adapter', `adapter tensors do not match the ${adapter.layout.method} layout of ${adapter.baseModel}`);
}

/** Serialises an adapter to its canonical bytes. */
export function adapterToBytes(adapter: Adapter): Uint8Array {
  const { layout } = adapter;
  const header = new TextEncoder().encode(
    JSON.stringify({
      format: ADAPTER_FORMAT,
      baseModel: adapter.baseModel,
      method: layout.method,
      rank: layout.method === 'full' ? 0 : layout.rank,
      alpha: layout.method === 'full' ? 0 : layout.alpha,
      targets: layout.method === 'full' ? [] : [...layout.targets],
      headBias: layout.headBias,
      tensors: adapter.tensors.map((t) => ({ name: t.name, shape: [...t.shape] })),
    }),
  );
  const values = adapter.tensors.reduce((n, t) => n + t.data.length, 0);
  const bytes = new Uint8Array(MAGIC.length + 4 + header.length + 8 * values);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(MAGIC.length, header.length, true);
  bytes.set(header, MAGIC.length + 4);
  let offset = MAGIC.length + 4 + header.length;
  for (const t of adapter.tensors) {
    writeFloat64s(view, offset, t.data);
    offset += 8 * t.data.length;
  }
  return bytes;
}

/** Hex sha256 of the adapter's canonical bytes (what the artifact store keys it by). */
export function adapterSha256(adapter: Adapter): string {
  return sha256Hex(adapterToBytes(adapter));
}

/** Reads adapter bytes back, checking magic, header, sizes and the layout. */
export function adapterFromBytes(bytes: Uint8Array): Adapter {
  const invalid = (why: string): TrainerError => new TrainerError('invalid_adapter', `not a ${ADAPTER_FORMAT} file: ${why}`);
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) throw invalid('bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  const dataStart = MAGIC.length + 4 + headerLength;
  if (dataStart > bytes.length) throw invalid('truncated header');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, dataStart)));
  } catch (error) {
    throw invalid(`header is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = AdapterHeaderSchema.safeParse(json);
  if (!parsed.success) throw invalid(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const header = parsed.data;
  const values = header.tensors.reduce((n, t) => n + sizeOf(t.shape), 0);
  if (bytes.length !== dataStart + 8 * values) throw invalid(`expected ${dataStart + 8 * values} bytes, got ${bytes.length}`);
  let offset = dataStart;
  const tensors = header.tensors.map(({ name, shape }) => {
    const data = readFloat64s(view, offset, sizeOf(shape));
    offset += 8 * data.length;
    return { name, shape, data };
  });
  const adapter: Adapter = {
    baseModel: header.baseModel,
    layout: { method: header.method, rank: header.rank, alpha: header.alpha, targets: header.targets, headBias: header.headBias },
    tensors,
  };
  assertAdapterShape(adapter);
  return adapter;
}
