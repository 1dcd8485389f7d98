/**
 * Measured OCP tables (`ElectrodeParameters.ocpTable`, e.g. OKane2022's graphite) for the standalone SEI scheme, until the
 * one cell-physics definition evaluates them as a node of its own (docs/lifetime.md). The kernels of today evaluate
 * the closed-form `ocp` series; where a set also has a table, the SEI scheme evaluates the kernel and corrects its
 * voltage by `ocp(x) - table(x)` at the negative surface, and places the initial state with the table's balance.
 */
import { evaluatePiecewiseCubic, notAKnotSpline, type PiecewiseCubic } from '../math/spline.ts';
import type { ParameterSet } from '../params/types.ts';
import type { CellKernelParameters } from './layout.ts';
import { evaluateSeries, OCP_STOICH_MIN, openCircuitPotential } from './series.ts';

const splines = new WeakMap<object, PiecewiseCubic>();

/** The set's negative-electrode OCP table as a spline (built once per table), or undefined if it has none. */
export function negativeOcpSpline(set: ParameterSet): PiecewiseCubic | undefined {
  const table = set.negative.ocpTable;
  if (!table) return undefined;
  let s = splines.get(table);
  if (!s) {
    s = notAKnotSpline(table.stoichiometry, table.potential, 'negative.ocpTable');
    splines.set(table, s);
  }
  return s;
}

function clip(s: number): number {
  return Math.min(Math.max(s, OCP_STOICH_MIN), 1 - OCP_STOICH_MIN);
}

/** U_n(x) as the set defines it: the table where it has one, else the series (with the kernels' end regularisation). */
export function negativeOcp(set: ParameterSet, spline: PiecewiseCubic | undefined, x: number): number {
  if (!spline) return openCircuitPotential(set.negative.ocp, x);
  const s = clip(x);
  return openCircuitPotential(set.negative.ocp, x) - evaluateSeries(set.negative.ocp, s) + evaluatePiecewiseCubic(spline, s);
}

/** What to add to a kernel voltage so its negative OCP is the table's: series(x) - table(x) (0 without a table). */
export function negativeOcpCorrection(set: ParameterSet, spline: PiecewiseCubic | undefined, x: number): number {
  if (!spline) return 0;
  const s = clip(x);
  return evaluateSeries(set.negative.ocp, s) - evaluatePiecewiseCubic(spline, s);
}

/**
 * Kernel parameters with the initial and the 0 %/100 % SOC stoichiometries placed by the table OCP (the same electrode
 * balance as `electrodeBalance`: lithium inventory x Q_n + y Q_p conserved, OCV at the cut-offs), by bisection.
 * Without a table it returns `p` unchanged.
 */
export function withTableBalance(set: ParameterSet, p: CellKernelParameters, soc: number): CellKernelParameters {
  const spline = negativeOcpSpline(set);
  if (!spline) return p;
  const inventory = p.initialStoichNeg * p.capacityNeg + p.initialStoichPos * p.capacityPos;
  const yOf = (x: number) => (inventory - x * p.capacityNeg) / p.capacityPos;
  const ocv = (x: number) => openCircuitPotential(set.positive.ocp, yOf(x)) - negativeOcp(set, spline, x);
  const solve = (v: number) => {
    let lo = Math.max(1e-9, (inventory - p.capacityPos) / p.capacityNeg + 1e-9);
    let hi = Math.min(1 - 1e-9, inventory / p.capacityNeg - 1e-9);
    for (let i = 0; i < 200 && hi - lo > 1e-16; i++) {
      const mid = 0.5 * (lo + hi);
      if (ocv(mid) < v) lo = mid;
      else hi = mid;
    }
    return 0.5 * (lo + hi);
  };
  const x0 = solve(set.electrical.lowerVoltageCutoff);
  const x100 = solve(set.electrical.upperVoltageCutoff);
  const x = x0 + soc * (x100 - x0);
  return { ...p, initialStoichNeg: x, initialStoichPos: yOf(x), stoichNegEmpty: x0, stoichNegFull: x100 };
}
