/**
 * Float64 tensors as bytes: IEEE-754 little-endian, whatever the machine's order, so
 * a checkpoint or adapter written anywhere reads back bit-identical anywhere.
 */
import { z } from 'zod';
import { type Tensor, sizeOf } from './tensor.js';

/** Writes `values` little-endian at `offset` of `view`. */
export function writeFloat64s(view: DataView, offset: number, values: Float64Array): void {
  for (let i = 0; i < values.length; i += 1) view.setFloat64(offset + 8 * i, values[i]!, true);
}

/** Reads `count` little-endian doubles starting at `offset`. */
export function readFloat64s(view: DataView, offset: number, count: number): Float64Array {
  const values = new Float64Array(count);
  for (let i = 0; i < count; i += 1) values[i] = view.getFloat64(offset + 8 * i, true);
  return values;
}

export const EncodedTensorSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().min(0)),
  /** base64 of the little-endian float64 values. */
  data: z.string(),
});
export type EncodedTensor = z.infer<typeof EncodedTensorSchema>;

export function encodeTensor(tensor: Tensor): EncodedTensor {
  const bytes = new Uint8Array(tensor.data.length * 8);
  writeFloat64s(new DataView(bytes.buffer), 0, tensor.data);
  return { name: tensor.name, shape: [...tensor.shape], data: Buffer.from(bytes).toString('base64') };
}

/** The tensor, or null when the data length does not match the shape. */
export function decodeTensor(encoded: EncodedTensor): Tensor | null {
  const bytes = Buffer.from(encoded.data, 'base64');
  const size = sizeOf(encoded.shape);
  if (bytes.length !== size * 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { name: encoded.name, shape: encoded.shape, data: readFloat64s(view, 0, size) };
}
