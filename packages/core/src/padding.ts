/**
 * Merkle–Damgård padding shared by MD5 and SHA-256: the message, a 0x80 byte, zeros, and the
 * bit length in the last 8 bytes, to a multiple of 64 bytes. MD5 writes the length
 * little-endian, SHA-256 big-endian.
 */
export function padMessage(input: Uint8Array, littleEndian: boolean): DataView {
  const bitLength = input.length * 8;
  const paddedLength = (((input.length + 8) >>> 6) + 1) << 6;
  const buffer = new Uint8Array(paddedLength);
  buffer.set(input);
  buffer[input.length] = 0x80;
  const view = new DataView(buffer.buffer);
  const low = bitLength >>> 0;
  const high = Math.floor(bitLength / 2 ** 32);
  view.setUint32(paddedLength - 8, littleEndian ? low : high, littleEndian);
  view.setUint32(paddedLength - 4, littleEndian ? high : low, littleEndian);
  return view;
}
