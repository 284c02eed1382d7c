// A small, general GGUF v3 writer: typed key/value metadata, tensor infos and f32/f16/Q8_0 tensor data, either
// held in memory or produced chunk by chunk while the file is written (a full-size model is gigabytes).
// Layout (all little-endian): "GGUF" magic, u32 version, u64 tensor count, u64 kv count, the kv pairs,
// the tensor infos, padding to the alignment, then each tensor's bytes padded to the alignment.
// Shapes are given in ggml `ne` order (fastest-varying dimension first; the reverse of numpy order).
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { encodeTensorData, tensorDataBytes } from './gguf-tensor-data';

export { f16BitsToF32, f32ToF16Bits, quantizeQ8_0 } from './gguf-tensor-data';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value type codes (gguf_type). */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** ggml tensor type codes this writer can produce. */
export const GgmlTensorType = { F32: 0, F16: 1, Q8_0: 8 } as const;
export type TensorDataType = 'f32' | 'f16' | 'q8_0';
const TENSOR_TYPE_CODE: Record<TensorDataType, number> = { f32: GgmlTensorType.F32, f16: GgmlTensorType.F16, q8_0: GgmlTensorType.Q8_0 };

/** A tensor's bytes, already in its on-disk type, produced in chunks while the file is written. */
export type TensorChunks = () => Iterable<Uint8Array>;

export type GgufScalar =
  | { type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64'; value: number }
  | { type: 'u64' | 'i64'; value: bigint | number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string };

export type GgufArray =
  | { type: 'array'; itemType: 'string'; values: readonly string[] }
  | { type: 'array'; itemType: 'f32' | 'i32' | 'u32'; values: ArrayLike<number> };

export type GgufValue = GgufScalar | GgufArray;

interface TensorEntry {
  name: string;
  shape: readonly number[];
  dataType: TensorDataType;
  elements: number;
  /** The values (encoded to dataType when written), or the encoded bytes in chunks. */
  data: Float32Array | TensorChunks;
}

const GGML_MAX_DIMS = 4;
const GGML_MAX_NAME = 64;

const SCALAR_TYPE_CODE: Record<GgufScalar['type'], number> = {
  u8: GgufValueType.UINT8,
  i8: GgufValueType.INT8,
  u16: GgufValueType.UINT16,
  i16: GgufValueType.INT16,
  u32: GgufValueType.UINT32,
  i32: GgufValueType.INT32,
  f32: GgufValueType.FLOAT32,
  bool: GgufValueType.BOOL,
  string: GgufValueType.STRING,
  u64: GgufValueType.UINT64,
  i64: GgufValueType.INT64,
  f64: GgufValueType.FLOAT64,
};

/** Growable little-endian byte buffer. */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  private len = 0;

  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): void { this.reserve(1); this.buf.writeUInt8(v, this.len); this.len += 1; }
  i8(v: number): void { this.reserve(1); this.buf.writeInt8(v, this.len); this.len += 1; }
  u16(v: number): void { this.reserve(2); this.buf.writeUInt16LE(v, this.len); this.len += 2; }
  i16(v: number): void { this.reserve(2); this.buf.writeInt16LE(v, this.len); this.len += 2; }
  u32(v: number): void { this.reserve(4); this.buf.writeUInt32LE(v, this.len); this.len += 4; }
  i32(v: number): void { this.reserve(4); this.buf.writeInt32LE(v, this.len); this.len += 4; }
  f32(v: number): void { this.reserve(4); this.buf.writeFloatLE(v, this.len); this.len += 4; }
  f64(v: number): void { this.reserve(8); this.buf.writeDoubleLE(v, this.len); this.len += 8; }
  u64(v: bigint | number): void { this.reserve(8); this.buf.writeBigUInt64LE(BigInt(v), this.len); this.len += 8; }
  i64(v: bigint | number): void { this.reserve(8); this.buf.writeBigInt64LE(BigInt(v), this.len); this.len += 8; }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** A GGUF string: u64 byte length, then UTF-8 bytes (no terminator). */
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }

  padTo(alignment: number): void {
    const pad = (alignment - (this.len % alignment)) % alignment;
    this.reserve(pad);
    this.buf.fill(0, this.len, this.len + pad);
    this.len += pad;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

function tensorByteSize(t: TensorEntry): number {
  return tensorDataBytes(t.dataType, t.elements);
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/**
 * Collects metadata and tensors, then serialises a GGUF v3 file.
 * Metadata keys are written in insertion order; `general.alignment` is written first.
 */
export class GgufWriter {
  readonly alignment: number;
  private readonly kv = new Map<string, GgufValue>();
  private readonly tensors: TensorEntry[] = [];
  private readonly tensorNames = new Set<string>();

  constructor(options: { alignment?: number } = {}) {
    const alignment = options.alignment ?? GGUF_DEFAULT_ALIGNMENT;
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw new Error(`GGUF alignment must be a power of two, got ${alignment}`);
    }
    this.alignment = alignment;
    this.kv.set('general.alignment', { type: 'u32', value: alignment });
  }

  set(key: string, value: GgufValue): this {
    if (key === 'general.alignment') throw new Error('general.alignment is set through the constructor');
    if (this.kv.has(key)) throw new Error(`duplicate GGUF metadata key: ${key}`);
    if (key.length === 0) throw new Error('empty GGUF metadata key');
    this.kv.set(key, value);
    return this;
  }

  string(key: string, value: string): this { return this.set(key, { type: 'string', value }); }
  u32(key: string, value: number): this { return this.set(key, { type: 'u32', value }); }
  i32(key: string, value: number): this { return this.set(key, { type: 'i32', value }); }
  f32(key: string, value: number): this { return this.set(key, { type: 'f32', value }); }
  bool(key: string, value: boolean): this { return this.set(key, { type: 'bool', value }); }
  stringArray(key: string, values: readonly string[]): this {
    return this.set(key, { type: 'array', itemType: 'string', values });
  }
  f32Array(key: string, values: ArrayLike<number>): this {
    return this.set(key, { type: 'array', itemType: 'f32', values });
  }
  i32Array(key: string, values: ArrayLike<number>): this {
    return this.set(key, { type: 'array', itemType: 'i32', values });
  }

  /**
   * Adds a tensor. `shape` is in ggml `ne` order; `data` holds the elements in memory order
   * (index = i0 + ne0 * (i1 + ne1 * (i2 + ...))). f16 and Q8_0 data are converted from the given f32 values.
   */
  addTensor(name: string, shape: readonly number[], data: Float32Array, dataType: TensorDataType = 'f32'): this {
    const count = this.checkTensor(name, shape, dataType);
    if (count !== data.length) {
      throw new Error(`tensor ${name}: shape [${shape.join(', ')}] needs ${count} values, got ${data.length}`);
    }
    this.tensors.push({ name, shape: [...shape], dataType, elements: count, data });
    return this;
  }

  /**
   * Adds a tensor whose bytes (already in `dataType`'s encoding) come from `chunks` while the file is written, so
   * that a multi-gigabyte tensor is never held whole. The chunks must add up to exactly the tensor's byte size.
   */
  addTensorChunks(name: string, shape: readonly number[], dataType: TensorDataType, chunks: TensorChunks): this {
    const count = this.checkTensor(name, shape, dataType);
    this.tensors.push({ name, shape: [...shape], dataType, elements: count, data: chunks });
    return this;
  }

  private checkTensor(name: string, shape: readonly number[], dataType: TensorDataType): number {
    if (this.tensorNames.has(name)) throw new Error(`duplicate tensor name: ${name}`);
    if (Buffer.byteLength(name, 'utf8') >= GGML_MAX_NAME) throw new Error(`tensor name too long: ${name}`);
    if (shape.length < 1 || shape.length > GGML_MAX_DIMS) {
      throw new Error(`tensor ${name}: 1 to ${GGML_MAX_DIMS} dimensions expected, got ${shape.length}`);
    }
    if (shape.some((d) => !Number.isInteger(d) || d <= 0)) throw new Error(`tensor ${name}: bad shape [${shape.join(', ')}]`);
    if (dataType === 'q8_0' && shape[0]! % 32 !== 0) throw new Error(`tensor ${name}: Q8_0 needs rows of a multiple of 32 values, got ${shape[0]}`);
    this.tensorNames.add(name);
    return shape.reduce((a, b) => a * b, 1);
  }

  get tensorCount(): number {
    return this.tensors.length;
  }

  private writeValue(out: ByteSink, value: GgufValue): void {
    if (value.type === 'array') {
      if (value.itemType === 'string') {
        out.u32(GgufValueType.STRING);
        out.u64(value.values.length);
        for (const s of value.values) out.str(s);
        return;
      }
      const code = value.itemType === 'f32' ? GgufValueType.FLOAT32 : value.itemType === 'i32' ? GgufValueType.INT32 : GgufValueType.UINT32;
      out.u32(code);
      out.u64(value.values.length);
      for (let i = 0; i < value.values.length; i++) {
        const v = value.values[i]!;
        if (value.itemType === 'f32') out.f32(v);
        else if (value.itemType === 'i32') out.i32(v);
        else out.u32(v);
      }
      return;
    }
    switch (value.type) {
      case 'u8': out.u8(value.value); break;
      case 'i8': out.i8(value.value); break;
      case 'u16': out.u16(value.value); break;
      case 'i16': out.i16(value.value); break;
      case 'u32': out.u32(value.value); break;
      case 'i32': out.i32(value.value); break;
      case 'f32': out.f32(value.value); break;
      case 'f64': out.f64(value.value); break;
      case 'u64': out.u64(value.value); break;
      case 'i64': out.i64(value.value); break;
      case 'bool': out.u8(value.value ? 1 : 0); break;
      case 'string': out.str(value.value); break;
    }
  }

  /** Everything before the first tensor's bytes: header, metadata, tensor infos, padding. */
  private header(): Buffer {
    const out = new ByteSink();
    out.u32(GGUF_MAGIC);
    out.u32(GGUF_VERSION);
    out.u64(this.tensors.length);
    out.u64(this.kv.size);

    for (const [key, value] of this.kv) {
      out.str(key);
      out.u32(value.type === 'array' ? GgufValueType.ARRAY : SCALAR_TYPE_CODE[value.type]);
      this.writeValue(out, value);
    }

    let offset = 0;
    for (const t of this.tensors) {
      out.str(t.name);
      out.u32(t.shape.length);
      for (const d of t.shape) out.u64(d);
      out.u32(TENSOR_TYPE_CODE[t.dataType]);
      out.u64(offset);
      offset += alignUp(tensorByteSize(t), this.alignment);
    }
    out.padTo(this.alignment);
    return out.toBuffer();
  }

  /** The file as a sequence of byte chunks: the header, then each tensor's bytes and padding. */
  private *chunks(): Generator<Uint8Array> {
    yield this.header();
    for (const t of this.tensors) {
      const size = tensorByteSize(t);
      let written = 0;
      const parts = t.data instanceof Float32Array ? [encodeTensorData(t.dataType, t.data)] : t.data();
      for (const part of parts) {
        written += part.length;
        if (written > size) break;
        yield part;
      }
      if (written !== size) throw new Error(`tensor ${t.name}: its chunks gave ${written} bytes, ${size} expected`);
      const pad = alignUp(size, this.alignment) - size;
      if (pad > 0) yield Buffer.alloc(pad);
    }
  }

  /** Serialises the whole file into memory. */
  toBuffer(): Buffer {
    return Buffer.concat([...this.chunks()]);
  }

  /** Streams the file to a temporary name in the same folder, then renames it into place. */
  async writeFile(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = tempPathFor(path);
    try {
      const fh = await open(tmp, 'w');
      try {
        for (const chunk of this.chunks()) await fh.write(chunk);
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}

const tempPathFor = (path: string): string => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

/** Writes bytes to `<dir>/.<name>.<random>.tmp` and renames it to `path` (atomic on one filesystem). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
