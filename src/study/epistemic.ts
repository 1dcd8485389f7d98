/**
 * The two-level (epistemic x aleatory) analysis of a study with an `epistemic:` block: results per outer sample, and
 * each tail probability as a distribution over what we do not know (src/tail/epistemic.ts). Sample e * inner + i is
 * outer sample e, inner sample i; inner sample i has the same aleatory draws in every outer sample (a crossed design).
 */
import { sortedQuantile } from '../math/quantile.ts';
import { studyOutputs } from './outputs.ts';
import type { StudySpec, TailAnalysisSpec } from '../spec/index.ts';
import { epistemicTailSummary, type EpistemicDraws, type EpistemicTailSummary } from '../tail/index.ts';
import { compileStudy, epistemicChunk } from '../variation/index.ts';
import { outputColumn } from './analysis.ts';
import type { OutputColumns } from '../results/format.ts';
import { exp } from '../math/elementary.ts';

/** Results per outer sample, for summary.json. */
export interface EpistemicResults {
  outer: number;
  inner: number;
  design: 'crossed';
  /** Each epistemic quantity's value in each outer sample, in its natural form (additive or relative deviation, or factor). */
  quantities: { name: string; unit: string; scale: string; form: string; values: number[] }[];
  /** Per output, per outer sample: mean and 5 / 50 / 95 % quantiles over its inner samples (finite values). */
  outputs: { name: string; unit: string; mean: number[]; p05: number[]; p50: number[]; p95: number[] }[];
}

/** The epistemic draws of every outer sample, in natural form (the `<quantity>@epistemic` input column). */
export function epistemicDraws(spec: StudySpec): EpistemicDraws[] {
  const e = spec.epistemic;
  if (!e) return [];
  const compiled = compileStudy(spec).epistemic;
  const values = compiled.map(() => new Array<number>(e.outer));
  for (let o = 0; o < e.outer; o++) {
    const u = epistemicChunk(spec, o * e.inner, 1); // the first sample of outer sample o: its draws
    compiled.forEach((c, k) => {
      const y = c.dist.ppf(u[k]);
      values[k][o] = c.scale === 'log' ? exp(y) : y; // as the sampler's input column (src/variation/sample.ts)
    });
  }
  return compiled.map((c, k) => ({ name: c.key, values: values[k] }));
}

function naturalForm(scale: string): string {
  return scale === 'log' ? 'factor on the nominal' : scale === 'relative' ? 'relative deviation from the nominal' : 'deviation from the nominal';
}

/**
 * Per-outer-sample statistics of every output. `outputs` are the Monte Carlo samples (outer x inner rows), or their
 * columns (a streamed run's, read one at a time).
 */
export function epistemicResults(spec: StudySpec, outputs: Float64Array | OutputColumns): EpistemicResults | undefined {
  const e = spec.epistemic;
  if (!e) return undefined;
  const compiled = compileStudy(spec).epistemic;
  const draws = epistemicDraws(spec);
  const info = studyOutputs(spec);
  const names = info.map((o) => o.name);
  const perOutput = info.map((o) => {
    const col = typeof outputs === 'function' ? outputs(o.name) : outputColumn(outputs, o.name, names);
    const r = { name: o.name, unit: o.unit, mean: [] as number[], p05: [] as number[], p50: [] as number[], p95: [] as number[] };
    for (let k = 0; k < e.outer; k++) {
      const x = col.subarray(k * e.inner, (k + 1) * e.inner).filter(Number.isFinite).sort();
      let m = 0;
      for (const v of x) m += v;
      r.mean.push(x.length ? m / x.length : NaN);
      r.p05.push(sortedQuantile(x, 0.05));
      r.p50.push(sortedQuantile(x, 0.5));
      r.p95.push(sortedQuantile(x, 0.95));
    }
    return r;
  });
  return {
    outer: e.outer,
    inner: e.inner,
    design: 'crossed',
    quantities: compiled.map((c, k) => ({ name: c.key, unit: c.unit, scale: c.scale, form: naturalForm(c.scale), values: draws[k].values as number[] })),
    outputs: perOutput,
  };
}

/** One tail entry's probability as a distribution over what we do not know. */
export function epistemicTail(spec: StudySpec, column: Float64Array, t: TailAnalysisSpec): EpistemicTailSummary | undefined {
  const e = spec.epistemic;
  if (!e) return undefined;
  return epistemicTailSummary(column, {
    limit: t.limit,
    tail: t.tail,
    outer: e.outer,
    inner: e.inner,
    design: 'crossed',
    quantities: epistemicDraws(spec),
    output: t.output,
    nonFinite: 'drop',
  });
}
