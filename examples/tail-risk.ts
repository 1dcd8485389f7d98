// Tail risk with cellspread: run with `npx tsx examples/tail-risk.ts`.
//
// A toy pack: peak cell temperature depends on a weld contact resistance (log-normal, so a heavy-ish right tail) and
// the coolant inlet temperature. We ask: how often does a pack exceed 333 K (60 degC)?
import {
  Rng,
  normalCdf,
  exceedanceProbability,
  fitGeneralizedPareto,
  gpdExceedanceProbability,
  gpdReturnLevel,
  conditionalValueAtRisk,
  crossEntropyImportanceSampling,
  subsetSimulation,
  tailSummary,
  type BatchModel,
} from '../src/index.ts';

const LIMIT = 333; // K

/** The batched model: rows are standard-normal inputs (z_resistance, z_inlet), flat row-major. */
const packModel: BatchModel = (rows, dim) => {
  const n = rows.length / dim;
  const peak = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const resistance = 0.5e-3 * Math.exp(0.35 * rows[i * dim]); // ohm, log-normal weld resistance
    const inlet = 298 + 2 * rows[i * dim + 1]; // K
    peak[i] = inlet + 12 + 8000 * (resistance - 0.5e-3) + 2.5e4 * Math.max(0, resistance - 1e-3); // K
  }
  return peak;
};

// 1. Plain Monte Carlo, 20 000 packs.
const n = 20_000;
const rng = new Rng(42);
const rows = new Float64Array(n * 2);
for (let i = 0; i < rows.length; i++) rows[i] = rng.normal();
const peak = packModel(rows, 2) as Float64Array;

const emp = exceedanceProbability(peak, LIMIT);
console.log(`empirical P(T > ${LIMIT} K) = ${emp.estimate.toExponential(2)}  [${emp.lower.toExponential(2)}, ${emp.upper.toExponential(2)}]  (${emp.exceedances} of ${emp.n})`);

const cvar = conditionalValueAtRisk(peak, 0.999);
console.log(`CVaR 99.9 %: mean of the worst 0.1 % = ${cvar.estimate.toFixed(2)} K  [${cvar.lower.toFixed(2)}, ${cvar.upper.toFixed(2)}], VaR ${cvar.valueAtRisk.toFixed(2)} K`);

// 2. Peaks over threshold: fit the top 2 % and extrapolate.
const threshold = [...peak].sort((a, b) => a - b)[Math.floor(0.98 * n)];
const fit = fitGeneralizedPareto(peak, { threshold });
console.log(`GPD above ${fit.threshold.toFixed(2)} K: shape ${fit.shape.toFixed(3)} +- ${fit.standardErrors?.shape.toFixed(3)}, scale ${fit.scale.toFixed(3)} K, ${fit.exceedances} exceedances`);
const ext = gpdExceedanceProbability(fit, LIMIT);
console.log(`GPD P(T > ${LIMIT} K) = ${ext.estimate.toExponential(2)}  [${ext.lower.toExponential(2)}, ${ext.upper.toExponential(2)}] (${ext.interval})`);
const rl = gpdReturnLevel(fit, 1e6);
console.log(`one-in-a-million pack peak: ${rl.estimate.toFixed(2)} K  [${rl.lower.toFixed(2)}, ${rl.upper.toFixed(2)}]`);

// 3. Rare-event estimation through the model itself (batched, seeded).
const sus = await subsetSimulation(packModel, { dimension: 2, limit: LIMIT, seed: 1 });
console.log(
  `subset simulation P(T > ${LIMIT} K) = ${sus.estimate.toExponential(2)}  [${sus.lower.toExponential(2)}, ${sus.upper.toExponential(2)}], ` +
    `CoV ${sus.coefficientOfVariation.toFixed(2)} (bound ${sus.coefficientOfVariationBound.toFixed(2)}), ` +
    `${sus.evaluations} evaluations in ${sus.modelCalls} model calls; design point z = [${sus.designPoint.map((v) => v.toFixed(2)).join(', ')}]`,
);
const ce = await crossEntropyImportanceSampling(packModel, { dimension: 2, limit: LIMIT, seed: 1 });
console.log(
  `cross-entropy IS P(T > ${LIMIT} K) = ${ce.estimate.toExponential(2)}, CoV ${ce.coefficientOfVariation.toFixed(3)}, ${ce.evaluations} evaluations`,
);
// Reference by numerical integration over z_inlet: the peak increases with z_resistance, so
// P(T > limit) = integral of phi(j) * (1 - Phi(z*(j))) dj, z*(j) the resistance level that just reaches the limit.
let exact = 0;
for (let j = -8; j <= 8; j += 0.01) {
  let lo = -12;
  let hi = 12;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    if (packModel(Float64Array.of(mid, j), 2)[0] > LIMIT) hi = mid;
    else lo = mid;
  }
  exact += (Math.exp(-0.5 * j * j) / Math.sqrt(2 * Math.PI)) * 0.01 * normalCdf(-hi);
}
console.log(`reference (numerical integration): ${exact.toExponential(2)}`);

// 4. The one-call summary the study runner uses (JSON-serialisable).
const summary = tailSummary(peak, { output: 'peakTemperature', limit: LIMIT, tail: 'upper' });
console.log(JSON.stringify({ recommended: summary.recommended, gpd: summary.gpd.status, warnings: summary.warnings }, null, 2));
