/**
 * Cost of engine-independent elementary functions (src/math/elementary.ts) against the engine's Math functions, as
 * ratios measured in one run (the functions alternate, three rounds). Run: npx tsx bench/elementary.ts
 */
import os from 'node:os';
import { exp, log, sin, tanh } from '../src/math/elementary.ts';

const N = 1 << 16;
const ROUNDS = 100;
const signed = Float64Array.from({ length: N }, (_, i) => ((i * 2654435761) % 1000) / 100 - 5);
const positive = signed.map((x) => Math.abs(x) + 1e-3);

function ms(f: (x: number) => number, xs: Float64Array): number {
  let s = 0;
  const t0 = performance.now();
  for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < xs.length; i++) s += f(xs[i]);
  if (!Number.isFinite(s) && !Number.isNaN(s)) console.log(s);
  return performance.now() - t0;
}

console.log(`elementary functions  ${new Date().toISOString().slice(0, 10)}  node ${process.version}  ${os.cpus()[0]?.model} x${os.cpus().length}`);
const pairs: [string, (x: number) => number, (x: number) => number, Float64Array][] = [
  ['exp', Math.exp, exp, signed],
  ['log', Math.log, log, positive],
  ['tanh', Math.tanh, tanh, signed],
  ['sin', Math.sin, sin, signed],
];
for (let round = 0; round < 3; round++) {
  const line = pairs.map(([name, engine, mine, xs]) => {
    const a = ms(engine, xs);
    const b = ms(mine, xs);
    return `${name} x${(b / a).toFixed(2)} (${((N * ROUNDS) / b / 1e3).toFixed(0)} M/s)`;
  });
  console.log(`round ${round + 1}: ${line.join('  ')}`);
}
