/** Redis Cluster's slots: a key's slot is CRC16 (XMODEM) of its hash tag (or of the whole key without one), mod 16384. */
export const CLUSTER_SLOTS = 16_384;

const TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] as number);
  return crc;
}

/**
 * The slot of a key, as Redis computes it: when the key holds `{...}` with something between the braces, only that
 * part is hashed, which is how the keys of one project share a slot.
 */
export function hashSlot(key: string): number {
  const open = key.indexOf("{");
  const close = open === -1 ? -1 : key.indexOf("}", open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(Buffer.from(hashed, "utf8")) % CLUSTER_SLOTS;
}
