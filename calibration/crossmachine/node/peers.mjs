// Runs the npm peers on a list of image pairs for evaluate.py.
// Usage: node peers.mjs PAIRS.json  -> one JSON array on stdout.
// PAIRS.json: [[a.png, b.png], ...].  For each pair: pixelmatch's count of
// differing pixels at its default threshold 0.1 with its anti-aliasing
// detection on (includeAA false), or null when the sizes differ.
import fs from 'node:fs';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

const pairs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = [];
for (const [a, b] of pairs) {
  const ia = PNG.sync.read(fs.readFileSync(a));
  const ib = PNG.sync.read(fs.readFileSync(b));
  if (ia.width !== ib.width || ia.height !== ib.height) { out.push(null); continue; }
  out.push(pixelmatch(ia.data, ib.data, null, ia.width, ia.height, { threshold: 0.1 }));
}
process.stdout.write(JSON.stringify(out));
