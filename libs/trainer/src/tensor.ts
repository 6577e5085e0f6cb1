/** A named, row-major float64 tensor: the unit the trainer stores, saves and optimises. */
export interface Tensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** Product of the dimensions. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function zeros(name: string, shape: readonly number[]): Tensor {
  return { name, shape: [...shape], data: new Float64Array(sizeOf(shape)) };
}

export function cloneTensor(tensor: Tensor): Tensor {
  return { name: tensor.name, shape: [...tensor.shape], data: Float64Array.from(tensor.data) };
}

/** The tensor called `name`, or an error naming what is missing. */
export function tensorNamed(tensors: readonly Tensor[], name: string): Tensor {
  const found = tensors.find((t) => t.name === name);
  if (found === undefined) throw new Error(`tensor ${name} is missing`);
  return found;
}
