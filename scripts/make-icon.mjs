// Draws the app icon (an ember-orange disc with a flame) as PNG files without an image library:
// resources/icon.png at 512 px for electron-builder (it derives .ico and .icns from it, and macOS
// needs at least 512 px) and resources/tray.png at 32 px for the tray. Run: node scripts/make-icon.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Coverage of the disc and the flame at (u, v) in [-1, 1]². */
function shade(u, v) {
  const r = Math.hypot(u, v);
  if (r > 0.9) return null;
  // Teardrop flame: a point at the top, round at the bottom.
  const t = (v + 0.62) / 1.22;
  let flame = false;
  if (t >= 0 && t <= 1) {
    const half =
      0.42 *
      Math.pow(Math.sin(((Math.min(t, 0.72) / 0.72) * Math.PI) / 2), 1.6) *
      (t > 0.72 ? Math.sqrt(Math.max(0, 1 - ((t - 0.72) / 0.28) ** 2)) : 1);
    flame = Math.abs(u + 0.08 * Math.sin(t * 5)) < half;
  }
  const inner = Math.hypot(u / 0.18, (v - 0.3) / 0.26) < 1;
  if (inner) return [255, 246, 214];
  if (flame) return [255, 214, 120];
  // Disc: darker towards the rim.
  const k = 1 - 0.35 * r;
  return [Math.round(232 * k + 20), Math.round(89 * k), Math.round(12 * k)];
}

function png(size) {
  const ss = 4;
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      let rr = 0,
        gg = 0,
        bb = 0,
        aa = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = shade(((x + (sx + 0.5) / ss) / size) * 2 - 1, ((y + (sy + 0.5) / ss) / size) * 2 - 1);
          if (!c) continue;
          rr += c[0];
          gg += c[1];
          bb += c[2];
          aa += 1;
        }
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = aa ? Math.round(rr / aa) : 0;
      raw[o + 1] = aa ? Math.round(gg / aa) : 0;
      raw[o + 2] = aa ? Math.round(bb / aa) : 0;
      raw[o + 3] = Math.round((aa / (ss * ss)) * 255);
    }
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

for (const [name, size] of [
  ['icon.png', 512],
  ['tray.png', 32],
]) {
  fs.writeFileSync(path.join(root, 'resources', name), png(size));
  console.log(`wrote resources/${name} (${size}×${size})`);
}
