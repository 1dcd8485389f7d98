/**
 * An electrode's open-circuit potential as the parameter set defines it: the measured table where the set gives one
 * (`ElectrodeParameters.ocpTable`, e.g. OKane2022's graphite, as PyBaMM uses it: a not-a-knot cubic spline), else the
 * closed-form series `ocp`. The kernels evaluate either form (src/model/series.ts StoichFunction), so the electrode
 * balance, the initial state and every backend's voltage use the same curve.
 */
import { notAKnotSpline, type PiecewiseCubic } from '../math/spline.ts';
import type { ElectrodeParameters, OcpTable } from '../params/types.ts';
import type { StoichFunction } from './series.ts';

const splines = new WeakMap<OcpTable, PiecewiseCubic>();

/** The spline of a measured OCP table (built once per table object). */
export function ocpSpline(table: OcpTable, field = 'ocpTable'): PiecewiseCubic {
  let s = splines.get(table);
  if (!s) {
    s = notAKnotSpline(table.stoichiometry, table.potential, field);
    splines.set(table, s);
  }
  return s;
}

/** U(s) of an electrode at the reference temperature: its table's spline where it has one, else its series. */
export function ocpFunction(electrode: ElectrodeParameters, field = 'ocpTable'): StoichFunction {
  return electrode.ocpTable ? ocpSpline(electrode.ocpTable, field) : electrode.ocp;
}
