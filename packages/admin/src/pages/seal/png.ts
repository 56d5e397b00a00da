/**
 * A seal PNG's physical size from its own header: IHDR gives the pixels, pHYs the pixels per metre
 * (the engine and the image import always write it). Used when an answer carries no size in mm.
 * Returns null for anything that is not a PNG with a metric pHYs chunk.
 */
export function pngSizeMm(bytes: Uint8Array): { widthMm: number; heightMm: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 33 || signature.some((b, i) => bytes[i] !== b)) return null;
  let width = 0;
  let height = 0;
  // Chunks: length (4), type (4), data, CRC (4). pHYs must come before the first IDAT.
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = at + 8;
    if (data + length > bytes.length) return null;
    if (type === 'IHDR') {
      width = view.getUint32(data);
      height = view.getUint32(data + 4);
    } else if (type === 'pHYs' && length >= 9) {
      const ppmX = view.getUint32(data);
      const ppmY = view.getUint32(data + 4);
      const metre = bytes[data + 8] === 1;
      if (!metre || !ppmX || !ppmY || !width) return null;
      const round = (n: number) => Math.round(n * 10) / 10;
      return { widthMm: round((width / ppmX) * 1000), heightMm: round((height / ppmY) * 1000) };
    } else if (type === 'IDAT' || type === 'IEND') {
      return null;
    }
    at = data + length + 4;
  }
  return null;
}
