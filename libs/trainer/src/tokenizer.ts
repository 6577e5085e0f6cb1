/**
 * Byte-level tokenizer: token ids 0..255 are the UTF-8 bytes, then three specials.
 * Deterministic and lossless for any string.
 */

export const BOS = 256;
export const EOS = 257;
export const PAD = 258;
/** 256 byte tokens + BOS, EOS, PAD. */
export const VOCAB_SIZE = 259;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 bytes of `text` as token ids (no specials). */
export function encode(text: string): number[] {
  return Array.from(encoder.encode(text));
}

/** Text of the byte tokens in `tokens`; specials are skipped, invalid UTF-8 becomes U+FFFD. */
export function decode(tokens: ArrayLike<number>): string {
  const bytes: number[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const t = tokens[i]!;
    if (t < 256) bytes.push(t);
  }
  return decoder.decode(Uint8Array.from(bytes));
}

/** Number of tokens `text` encodes to: its UTF-8 length. */
export function byteLength(text: string): number {
  return encoder.encode(text).length;
}
