// Sensitivity analysis of the Ishigami function (a = 7, b = 0.1): Sobol indices and Shapley effects.
// Run: npx tsx examples/sensitivity.ts
import { formatShapleyResult, formatSobolResult, shapley, sobol, testFunctions } from '../src/index.ts';

const f = testFunctions.ishigami;

// Sobol indices: N = 1024 base samples on a scrambled Sobol design, N * (D + 2) = 5120 model runs.
const s = sobol({ inputs: f.inputs, model: f.evaluate, n: 1024, seed: 1 });
console.log(formatSobolResult(s));
console.log(`(N = ${s.n}, ${s.evaluations} model runs, ${s.confidenceLevel * 100}% bootstrap half-widths)`);
console.log('exact S1:', f.exact.first.map((x) => x.toFixed(4)).join(', '), ' exact ST:', f.exact.total.map((x) => x.toFixed(4)).join(', '));

console.log('\nconvergence of S1(x1) with N:');
s.convergence.n.forEach((n, k) => console.log(`  N = ${String(n).padStart(5)}  S1 = ${s.convergence.first[k][0].toFixed(4)}  ST = ${s.convergence.total[k][0].toFixed(4)}`));

// Shapley effects (independent inputs here: x1 and x3 share their interaction equally).
const sh = shapley({ inputs: f.inputs, model: f.evaluate, seed: 1 }); // 3 players: exact method
console.log(`\n${formatShapleyResult(sh)}`);
console.log(`(method ${sh.method}, ${sh.evaluations} model runs)`);
console.log('exact Shapley:', f.exact.shapley.map((x) => x.toFixed(4)).join(', '));
