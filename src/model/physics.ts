/**
 * THE cell physics, defined once in PyBaMM's conventions: the single particle model (SPM) and the single particle model
 * with electrolyte (SPMe, PyBaMM's `pybamm.lithium_ion.SPMe`), each with a lumped thermal model, every heat source and
 * SEI growth on the negative electrode (PyBaMM's "solvent-diffusion limited" and "reaction limited" laws, a per-study
 * option). `build(model)` writes both from one text: the SPMe adds the electrolyte to the SPM's particles
 * (docs/spme.md). OCPs are the set's closed-form series or measured tables (OKane2022's graphite).
 *
 * Every kernel is generated from this file (src/kernels, `npx tsx scripts/generate.ts`): the f64 TypeScript reference
 * (src/model/kernel.generated.ts), the AssemblyScript f64x2 SIMD kernel (assembly/kernel.generated.ts), the WGSL f32
 * kernel (shaders/kernel.generated.wgsl) and the C yardstick (bench/native/kernel.generated.h). Target forms (f32-stable
 * elementary functions, double-float arithmetic) live in the emitters and in the named f32 overrides of
 * src/model/physics-f32.ts, never here. docs/kernels.md walks through adding a term.
 *
 * Numerics (docs/numerics.md): each particle's concentration is its average plus Neumann eigenmodes of the sphere; for a
 * current held constant over a step every mode is integrated exactly, so diffusion has no time-step error, and the
 * end state is affine in the step current (the compiler splits it into a + b I; b is the exact derivative the pack's
 * current sharing uses). Modes beyond `modes` are held at their quasi-steady value (the tail term). The temperature
 * update is the exact exponential solution with a constant heat source (the step template averages the heat, Heun).
 * The SPMe's electrolyte is finite volumes (Kirchhoff-form face fluxes) advanced by the linearly implicit Euler step, one
 * tridiagonal solve with the conductances of the start of the step: its end state is affine in the step current too.
 * The voltage reads x-averages of the electrolyte through summary states recomputed after each step.
 * The SEI growth is not affine in the current: the `integrate` kernel updates it from its drive at the start and the
 * predicted end of the step (docs/lifetime.md); its lithium is taken out of the stored negative stoichiometry by the
 * named intermediate `stoichNegAverage`, so particles + SEI conserve lithium by construction.
 */
import { CellspreadInputError } from '../errors.ts';
import { CellBuilder, type CellDefinition, type LayoutEntry, type ParameterDecl } from '../kernels/define.ts';
import {
  add, arrhenius, asinh, at, clamp, div, expm1, exp, gt, log, max, min, minimum, mul, neg, ONE, product, select, series, solve, sqrt, sub, sum, vector, ZERO, type Node,
} from '../kernels/ir.ts';
import type { ElectrolyteFunction } from '../params/types.ts';
import { ocpFunction } from './ocp-table.ts';
import { FARADAY, GAS_CONSTANT, SECONDS_PER_HOUR } from './constants.ts';
import { KINETIC_STOICH_MIN, OCP_REGULARISATION, OCP_STOICH_MIN } from './series.ts';
import { sphereEigenvalues, truncatedTail } from './spectral.ts';

/**
 * Per-cell kernel parameters, in layout order (every backend reads them by these positions). Those with `fromSet` are
 * read from the parameter set here (through the cell's overrides); the others are derived by src/model/derive.ts.
 */
export const CELL_PARAMETERS = [
  { name: 'capacityNeg', unit: 'Ah', description: 'negative electrode capacity eps_s L c_max F A_cc n_elec / 3600' },
  { name: 'capacityPos', unit: 'Ah', description: 'positive electrode capacity eps_s L c_max F A_cc n_elec / 3600' },
  { name: 'diffusionTimeNeg', unit: 's', description: 'negative particle diffusion time R^2 / D at the reference temperature' },
  { name: 'diffusionTimePos', unit: 's', description: 'positive particle diffusion time R^2 / D at the reference temperature' },
  { name: 'diffusionActivationNeg', unit: 'K', description: 'negative diffusivity activation energy over R (E / R)' },
  { name: 'diffusionActivationPos', unit: 'K', description: 'positive diffusivity activation energy over R (E / R)' },
  { name: 'kineticCurrentNeg', unit: 'A', description: 'negative kinetic current scale 2 A_int m sqrt(c_e) c_max' },
  { name: 'kineticCurrentPos', unit: 'A', description: 'positive kinetic current scale 2 A_int m sqrt(c_e) c_max' },
  { name: 'kineticActivationNeg', unit: 'K', description: 'negative exchange-current activation energy over R (E / R)' },
  { name: 'kineticActivationPos', unit: 'K', description: 'positive exchange-current activation energy over R (E / R)' },
  { name: 'contactResistance', unit: 'Ohm', description: 'contact/weld resistance in series with the cell' },
  { name: 'collectorResistance', unit: 'Ohm', description: 'current-collector resistance (L_cn/sigma_cn + L_cp/sigma_cp) / (n_elec A_cc), heat only' },
  { name: 'heatCapacity', unit: 'J/K', description: 'lumped heat capacity V_cell rho_cp_eff' },
  { name: 'coolingConductance', unit: 'W/K', description: 'heat-transfer coefficient times cooled area h A' },
  { name: 'ambientTemperature', unit: 'K', description: 'coolant/ambient temperature', fromSet: (get) => get('thermal.ambientTemperature') },
  { name: 'initialStoichNeg', unit: '-', description: 'initial negative stoichiometry x (uniform in the particle)' },
  { name: 'initialStoichPos', unit: '-', description: 'initial positive stoichiometry y (uniform in the particle)' },
  { name: 'initialTemperature', unit: 'K', description: 'initial cell temperature', fromSet: (get) => get('thermal.initialTemperature') },
  { name: 'stoichNegEmpty', unit: '-', description: 'negative stoichiometry at 0 % SOC (for reporting SOC)' },
  { name: 'stoichNegFull', unit: '-', description: 'negative stoichiometry at 100 % SOC (for reporting SOC)' },
  // SEI growth on the negative electrode (PyBaMM's "solvent-diffusion limited" and "reaction limited" laws, docs/lifetime.md);
  // all 0 for a set without an `sei` block, which then cannot age.
  { name: 'seiInitialThickness', unit: 'm', description: 'initial SEI thickness L_sei_0' },
  { name: 'seiFilmResistivity', unit: 'Ohm/m', description: 'SEI film resistance per metre of film R_sei / (a_n L_n A n_elec)' },
  { name: 'seiLithiumPerThickness', unit: 'Ah/m', description: 'lithium held per metre of SEI a_n L_n A n_elec z_sei F / (3600 V_bar_sei)' },
  { name: 'seiSolventGrowth', unit: 'm2/s', description: 'solvent-diffusion limited growth constant V_bar_sei D_sol c_sol / z_sei (L dL/dt at T_ref)' },
  { name: 'seiReactionGrowth', unit: 'm/s', description: 'reaction limited growth rate V_bar_sei j0_sei / (F z_sei) (dL/dt at T_ref and eta_SEI = 0)' },
  { name: 'seiOcp', unit: 'V', description: 'SEI open-circuit potential U_sei' },
  { name: 'seiActivation', unit: 'K', description: 'SEI growth activation energy over R (E_sei / R)' },
  { name: 'seiRateFactor', unit: '-', description: 'ageing rate factor multiplying the SEI growth (1: the set; cell-to-cell variation and the per-cycle random walk)' },
] as const satisfies readonly ParameterDecl[];

/** The cell models of the definition. */
export const CELL_MODELS = ['spm', 'spme'] as const;
export type CellModel = (typeof CELL_MODELS)[number];

/**
 * Per-cell parameters the SPMe adds after the SPM's (so the SPM's layout is a prefix of the SPMe's), derived by
 * src/model/electrolyte.ts `deriveElectrolyteParameters`.
 */
export const ELECTROLYTE_PARAMETERS = [
  { name: 'electrolyteConcentration', unit: 'mol/m3', description: 'initial electrolyte concentration c_e0; the state is c_e / c_e0' },
  { name: 'poreWidthNeg', unit: 'm', description: 'eps_n h_n: pore volume per electrode area of one negative finite volume (h_n = L_n / N_n)' },
  { name: 'poreWidthSep', unit: 'm', description: 'eps_s h_s: pore volume per electrode area of one separator finite volume' },
  { name: 'poreWidthPos', unit: 'm', description: 'eps_p h_p: pore volume per electrode area of one positive finite volume' },
  { name: 'pathLengthNeg', unit: 'm', description: 'h_n / B_n: width over transport efficiency B = eps^b (or eps / tau) of a negative finite volume' },
  { name: 'pathLengthSep', unit: 'm', description: 'h_s / B_s of a separator finite volume' },
  { name: 'pathLengthPos', unit: 'm', description: 'h_p / B_p of a positive finite volume' },
  { name: 'diffusivityScale', unit: '-', description: "factor on the set's D_e(c_e, T) (variation: electrolyteDiffusivity)" },
  { name: 'diffusivityActivation', unit: 'K', description: 'electrolyte diffusivity activation energy over R (E / R)' },
  { name: 'sourceNeg', unit: 'm/(A s)', description: 'q_n = (1 - t+) / (F c_e0 A N_n): salt released into one negative finite volume per ampere' },
  { name: 'sourcePos', unit: 'm/(A s)', description: 'q_p = -(1 - t+) / (F c_e0 A N_p): salt taken from one positive finite volume per ampere (< 0)' },
  { name: 'macinnesCoefficient', unit: 'V/K', description: 'chi R / F = 2 (1 - t+) TDF R / F: eta_c = coefficient T (<ln theta>_p - <ln theta>_n)' },
  { name: 'electrolyteResistance', unit: 'Ohm', description: '(L_n/(3 B_n) + L_s/B_s + L_p/(3 B_p)) / (A kappa_e(c_e0, T_ref)): electrolyte Ohmic resistance at T_ref' },
  { name: 'conductivityActivation', unit: 'K', description: 'electrolyte conductivity activation energy over R (E / R)' },
  { name: 'solidResistance', unit: 'Ohm', description: '(L_n/(3 sigma_n,eff) + L_p/(3 sigma_p,eff)) / A: solid-phase Ohmic resistance of both electrodes' },
] as const satisfies readonly LayoutEntry[];

/** Finite volumes of the electrolyte per region. */
export interface ElectrolyteMesh {
  negative: number;
  separator: number;
  positive: number;
}

/** Default mesh: 12 / 2 / 12 volumes (docs/numerics.md: 0.3 % electrolyte heat, 0.05 K at 2C against the converged solution). */
export const DEFAULT_ELECTROLYTE_MESH: Readonly<ElectrolyteMesh> = { negative: 12, separator: 2, positive: 12 };

export function electrolyteStateLength(mesh: ElectrolyteMesh): number {
  return mesh.negative + mesh.separator + mesh.positive;
}

/** PyBaMM's floor on c_e inside D_e and kappa_e (settings.tolerances D_e__c_e, kappa_e__c_e) [mol/m3]; also the SPMe's depletion stop. */
export const TRANSPORT_CONCENTRATION_MIN = 10;

/**
 * Floor on theta = c_e / c_e0 inside ln and the square root: 1 mol/m3 at c_e0 = 1000 (the cell stops at 10 mol/m3; this
 * only keeps NaN out of the steps a stop is located in, and the product of an electrode's 12 floored values, 1e-36,
 * inside f32's range).
 */
export const THETA_FLOOR = 1e-3;

/**
 * Below this variance of theta^(-1/2) the volumes of an electrode are treated as equal (one node of weight 1/2): only a
 * uniform electrolyte (0/0 in the nodes); any spread the arithmetic resolves keeps the rule, so the nodes stay
 * continuous in the state (their jump at the threshold is ~sqrt(1e-30) relative).
 */
const VARIANCE_MIN = 1e-30;

/**
 * D_e(c_e) as the kernels evaluate it: (d0 + d1 z + d2 z^2 + d3 z^3) exp(r z), z = max(c_e, 10) / c_ref, times the
 * Arrhenius factor and the cell's scale. Nyman2008 (Chen2020, OKane2022) and Marquis2019's fit are of this form; a set
 * whose fit is not is refused by name.
 */
export function diffusivityFit(f: ElectrolyteFunction): { reference: number; terms: [number, number, number, number]; rate: number } {
  const terms: [number, number, number, number] = [0, 0, 0, 0];
  const rates = new Set(f.terms.map((t) => t.rate));
  if (rates.size > 1 || f.terms.some((t) => !(Number.isInteger(t.power) && t.power >= 0 && t.power <= 3))) {
    throw new CellspreadInputError('electrolyte.diffusivity', 'must be a polynomial of degree <= 3 in c_e / c_ref times one exp(r c_e / c_ref) (every term with the same rate)', f.terms.length);
  }
  for (const t of f.terms) terms[t.power] += t.coefficient;
  if (!(f.referenceConcentration > 0 && Number.isFinite(f.referenceConcentration))) {
    throw new CellspreadInputError('electrolyte.diffusivity.referenceConcentration', 'must be a finite number > 0', f.referenceConcentration);
  }
  return { reference: f.referenceConcentration, terms, rate: rates.size ? [...rates][0] : 0 };
}

/** Per-region values of the electrolyte mesh (1 where volume m is in the region): the tables of the definition. */
function regionTable(mesh: ElectrolyteMesh, region: keyof ElectrolyteMesh): Float64Array {
  const first = region === 'negative' ? 0 : region === 'separator' ? mesh.negative : mesh.negative + mesh.separator;
  return Float64Array.from({ length: electrolyteStateLength(mesh) }, (_, m) => (m >= first && m < first + mesh[region] ? 1 : 0));
}
/** SEI growth laws (PyBaMM's `"SEI"` option), a per-study model option. */
export const SEI_LAWS = ['none', 'solvent-diffusion limited', 'reaction limited'] as const;
export type SeiLaw = (typeof SEI_LAWS)[number];

/** The electrode-level building blocks written once for both electrodes. */
interface Electrode {
  side: 'Neg' | 'Pos';
  /** +1 for the negative electrode (delithiated on discharge), -1 for the positive. */
  sign: number;
  modes: Node;
}

function build(model: CellModel) {
  const spme = model === 'spme';
  const b = spme
    ? new CellBuilder('spme-lumped', 'single particle model with electrolyte (exact sphere eigenmodes, finite-volume electrolyte) with a lumped thermal model')
    : new CellBuilder('spm-lumped', 'single particle model (exact sphere eigenmodes) with a lumped thermal model');
  const p = Object.fromEntries(CELL_PARAMETERS.map((e) => [e.name, b.parameter(e)])) as Record<(typeof CELL_PARAMETERS)[number]['name'], Node>;
  const e = (spme ? Object.fromEntries(ELECTROLYTE_PARAMETERS.map((x) => [x.name, b.parameter(x)])) : {}) as Record<(typeof ELECTROLYTE_PARAMETERS)[number]['name'], Node>;

  // ---- per-study numerics
  const modes = b.length({ name: 'modes', description: 'particle eigenmodes kept per electrode', max: 200, value: (c) => c.modes });
  const referenceTemperature = b.constant({
    name: 'referenceTemperature', unit: 'K', description: 'reference temperature of the OCP fits and Arrhenius laws',
    value: (c) => c.set.thermal.referenceTemperature,
  });
  const tailCoefficient = b.constant({
    name: 'tailCoefficient', unit: '-', description: '(2/3) (1/10 - sum 1/mu_m^2): quasi-steady surface offset carried by the modes beyond `modes`',
    value: (c) => (2 / 3) * truncatedTail(sphereEigenvalues(c.modes)),
  });
  const solventLaw = b.constant({
    name: 'seiSolventLaw', unit: '-', description: '1 when the SEI grows by the solvent-diffusion limited law, else 0',
    value: (c) => (c.sei === 'solvent-diffusion limited' ? 1 : 0),
  });
  const reactionLaw = b.constant({
    name: 'seiReactionLaw', unit: '-', description: '1 when the SEI grows by the reaction limited law, else 0',
    value: (c) => (c.sei === 'reaction limited' ? 1 : 0),
  });
  const filmHeatOn = b.constant({
    name: 'filmHeatOn', unit: '-', description: "1 when the SEI film's Joule heat is in the cell heat (PyBaMM's SPM leaves it out: 0)",
    value: (c) => ((c.filmHeat ?? true) && (c.sei ?? 'none') !== 'none' ? 1 : 0),
  });
  const eigenvalue = b.table({
    name: 'eigenvalues', length: modes, unit: '-', description: 'mu_m^2 with tan(mu_m) = mu_m, m = 1..modes',
    value: (c) => sphereEigenvalues(c.modes).map((m) => m * m),
  });
  const ocp = {
    Neg: b.series({ name: 'ocpNeg', unit: 'V', description: 'negative electrode OCP at the reference temperature (series or measured table)', value: (s) => ocpFunction(s.negative, 'negative.ocpTable') }),
    Pos: b.series({ name: 'ocpPos', unit: 'V', description: 'positive electrode OCP at the reference temperature (series or measured table)', value: (s) => ocpFunction(s.positive, 'positive.ocpTable') }),
  };
  const entropic = {
    Neg: b.series({ name: 'entropicNeg', unit: 'V/K', description: 'negative electrode entropic change dU/dT', value: (s) => s.negative.entropicChange }),
    Pos: b.series({ name: 'entropicPos', unit: 'V/K', description: 'positive electrode entropic change dU/dT', value: (s) => s.positive.entropicChange }),
  };

  // ---- state
  const stoich = {
    Neg: b.state({ name: 'stoichNeg', unit: '-', description: 'particle-average negative stoichiometry' }),
    Pos: b.state({ name: 'stoichPos', unit: '-', description: 'particle-average positive stoichiometry' }),
  };
  b.state({ name: 'temperatureRise', unit: 'K', description: 'cell temperature minus the reference temperature' });
  const growthState = b.state({ name: 'seiGrowth', unit: 'm', description: 'SEI growth since manufacture L_sei - L_sei_0 (its lithium is not in stoichNeg: see stoichNegAverage)' });
  const mode = {
    Neg: b.vector({ name: 'modesNeg', length: modes, unit: '-', description: 'negative particle eigenmode amplitudes (surface value of each mode)' }),
    Pos: b.vector({ name: 'modesPos', length: modes, unit: '-', description: 'positive particle eigenmode amplitudes (surface value of each mode)' }),
  };

  // ---- kernel inputs
  const current = b.input({ name: 'current', unit: 'A', description: 'cell current, > 0 on discharge' });
  const rise = b.input({ name: 'rise', unit: 'K', description: 'temperature rise over the reference at which the cell is evaluated' });
  const dt = b.input({ name: 'dt', unit: 's', description: 'step length' });
  const heat = b.input({ name: 'heat', unit: 'W', description: 'heat source held over the step (generated plus conducted in)' });
  const driveStart = b.input({ name: 'seiDriveStart', unit: 'm2/s or m/s', description: 'the SEI growth driver at the start of the step' });
  const driveEnd = b.input({ name: 'seiDriveEnd', unit: 'm2/s or m/s', description: 'the SEI growth driver at the (predicted) end of the step' });

  const electrolyte = spme ? electrolyteDeclarations(b, e) : undefined;

  // ---- per-cell derived values
  const invCharge = {
    Neg: b.derived({ name: 'invChargeNeg', unit: '1/(A s)', description: 'stoichiometry change per coulomb, 1 / (3600 Q_neg)' }, div(1, mul(SECONDS_PER_HOUR, p.capacityNeg))),
    Pos: b.derived({ name: 'invChargePos', unit: '1/(A s)', description: 'stoichiometry change per coulomb, 1 / (3600 Q_pos)' }, div(1, mul(SECONDS_PER_HOUR, p.capacityPos))),
  };
  const baseRate = {
    Neg: b.derived({ name: 'baseRateNeg', unit: '1/s', description: 'D / R^2 at the reference temperature' }, div(1, p.diffusionTimeNeg)),
    Pos: b.derived({ name: 'baseRatePos', unit: '1/s', description: 'D / R^2 at the reference temperature' }, div(1, p.diffusionTimePos)),
  };
  const ambientRise = b.derived({ name: 'ambientRise', unit: 'K', description: 'ambient temperature minus the reference' }, sub(p.ambientTemperature, referenceTemperature));
  const initialRise = b.derived({ name: 'initialRise', unit: 'K', description: 'initial temperature minus the reference' }, sub(p.initialTemperature, referenceTemperature));
  const coolingRate = b.derived({ name: 'coolingRate', unit: '1/s', description: 'h A / C_th' }, div(p.coolingConductance, p.heatCapacity));
  const invHeatCapacity = b.derived({ name: 'invHeatCapacity', unit: 'K/J', description: '1 / C_th' }, div(1, p.heatCapacity));
  const socScale = b.derived({ name: 'socScale', unit: '-', description: '1 / (x_100 - x_0)' }, div(1, sub(p.stoichNegFull, p.stoichNegEmpty)));
  const seiStoichPerThickness = b.derived(
    { name: 'seiStoichPerThickness', unit: '1/m', description: 'negative stoichiometry held by a metre of SEI, Q_sei / Q_neg' },
    div(p.seiLithiumPerThickness, p.capacityNeg),
  );

  // ---- SEI state (docs/lifetime.md section 3): the stored stoichNeg is moved by the external current only; the SEI's
  // lithium is taken out of the particle average here, so lithium (particles + SEI) is conserved by construction.
  const seiGrowth = b.let('seiGrowthValue', 'm', 'SEI growth since manufacture (as one number)', growthState);
  const seiThickness = b.let('seiThickness', 'm', 'SEI thickness L_sei', add(p.seiInitialThickness, seiGrowth));
  const stoichNegAverage = b.let('stoichNegAverage', '-', 'particle-average negative stoichiometry, the SEI lithium taken out',
    sub(stoich.Neg, mul(seiGrowth, seiStoichPerThickness)));

  const electrodes: Record<'Neg' | 'Pos', Electrode> = {
    Neg: { side: 'Neg', sign: 1, modes: mode.Neg },
    Pos: { side: 'Pos', sign: -1, modes: mode.Pos },
  };

  // ---- temperature dependence (at the temperature rise `rise`)
  const temperature = b.let('temperature', 'K', 'cell temperature', add(referenceTemperature, rise));
  const inverseTemperatureGap = b.let('inverseTemperatureGap', '1/K', '1/T_ref - 1/T, the Arrhenius argument',
    sub(div(1, referenceTemperature), div(1, temperature)));
  /** Rate of change of the particle-average stoichiometry per unit time, > 0 when the electrode delithiates. */
  const flux = (e: Electrode) => b.let(`flux${e.side}`, '1/s', `${e.side === 'Neg' ? 'negative' : 'positive'} average stoichiometry decrease per second`,
    e.sign > 0 ? mul(current, invCharge.Neg) : mul(neg(current), invCharge.Pos));
  const diffusionRate = (e: Electrode) => b.let(`diffusionRate${e.side}`, '1/s', `D(T) / R^2 of the ${e.side === 'Neg' ? 'negative' : 'positive'} particle`,
    mul(baseRate[e.side], arrhenius(p[`diffusionActivation${e.side}`], inverseTemperatureGap)));

  const fluxes = { Neg: flux(electrodes.Neg), Pos: flux(electrodes.Pos) };
  const rates = { Neg: diffusionRate(electrodes.Neg), Pos: diffusionRate(electrodes.Pos) };

  // ---- evaluate: surface stoichiometries, OCPs with entropic terms, kinetics, voltage, heat
  const surface = (e: Electrode) =>
    b.let(`surfaceStoich${e.side}`, '-', `${e.side === 'Neg' ? 'negative' : 'positive'} surface stoichiometry (kept modes plus the quasi-steady tail)`,
      sub(add(e.side === 'Neg' ? stoichNegAverage : stoich.Pos, sum(modes, e.modes)), div(mul(tailCoefficient, fluxes[e.side]), rates[e.side])));
  const surfaceStoich = { Neg: surface(electrodes.Neg), Pos: surface(electrodes.Pos) };
  const vacancy = {
    Neg: b.let('surfaceVacancyNeg', '-', '1 - negative surface stoichiometry', sub(1, surfaceStoich.Neg)),
    Pos: b.let('surfaceVacancyPos', '-', '1 - positive surface stoichiometry', sub(1, surfaceStoich.Pos)),
  };
  const stoichiometryMargin = b.let('stoichiometryMargin', '-', 'distance of the particle surfaces from the ends of the stoichiometry range: min of s and 1 - s over both electrodes (the pack machines stop a cell whose margin vanishes)',
    min(min(surfaceStoich.Neg, vacancy.Neg), min(surfaceStoich.Pos, vacancy.Pos)));
  const ocpStoich = (e: Electrode) => b.let(`ocpStoich${e.side}`, '-', 'surface stoichiometry clipped for the OCP fits (PyBaMM)',
    clamp(surfaceStoich[e.side], OCP_STOICH_MIN, 1 - OCP_STOICH_MIN));
  const clipped = { Neg: ocpStoich(electrodes.Neg), Pos: ocpStoich(electrodes.Pos) };
  const entropicChange = (e: Electrode) => b.let(`entropicChange${e.side}`, 'V/K', 'dU/dT at the surface', series(entropic[e.side], clipped[e.side]));
  const dUdT = { Neg: entropicChange(electrodes.Neg), Pos: entropicChange(electrodes.Pos) };
  /** U(s) + 1e-6 (1/s - 1/(1-s)) + (T - T_ref) dU/dT: PyBaMM's regularised OCP with its entropic term. */
  const openCircuit = (e: Electrode) =>
    b.let(`ocp${e.side}Value`, 'V', `${e.side === 'Neg' ? 'negative' : 'positive'} open-circuit potential at the surface`,
      add(
        add(series(ocp[e.side], clipped[e.side]), mul(OCP_REGULARISATION, sub(div(1, max(surfaceStoich[e.side], OCP_STOICH_MIN)), div(1, max(vacancy[e.side], OCP_STOICH_MIN))))),
        mul(rise, dUdT[e.side]),
      ));
  const U = { Neg: openCircuit(electrodes.Neg), Pos: openCircuit(electrodes.Pos) };
  const exchange = (e: Electrode) =>
    b.let(`exchangeCurrent${e.side}`, 'A', 'exchange current i0 = k0 arrhenius sqrt(s (1 - s))',
      mul(mul(p[`kineticCurrent${e.side}`], arrhenius(p[`kineticActivation${e.side}`], inverseTemperatureGap)),
        sqrt(mul(max(surfaceStoich[e.side], KINETIC_STOICH_MIN), max(vacancy[e.side], KINETIC_STOICH_MIN)))));
  const i0 = { Neg: exchange(electrodes.Neg), Pos: exchange(electrodes.Pos) };
  const thermalVoltage = b.let('thermalVoltage', 'V', '2 R T / F', mul((2 * GAS_CONSTANT) / FARADAY, temperature));
  // The SPMe's exchange current sees the local c_e (j0 ~ sqrt(theta)): the x-average of asinh(u theta^(-1/2)) over the
  // electrode by the summary's two-point rule; the SPM's electrolyte is uniform at c_e0 (theta = 1).
  const reaction = (ratio: Node, side: 'Neg' | 'Pos') =>
    electrolyte ? electrolyte.meanAsinh(ratio, side) : asinh(ratio);
  const overpotential = {
    Neg: b.let('overpotentialNeg', 'V', 'negative reaction overpotential, x-averaged (symmetric Butler-Volmer, inverted)', mul(thermalVoltage, reaction(div(current, i0.Neg), 'Neg'))),
    Pos: b.let('overpotentialPos', 'V', 'positive reaction overpotential, x-averaged', mul(thermalVoltage, reaction(div(neg(current), i0.Pos), 'Pos'))),
  };
  const surfaceOcv = b.let('surfaceOcv', 'V', 'open-circuit voltage at the particle surfaces U_p - U_n', sub(U.Pos, U.Neg));
  const filmResistance = b.let('filmResistance', 'Ohm', 'SEI film resistance L_sei R_sei / (a_n L_n A n_elec) (0 without SEI growth)',
    mul(mul(p.seiFilmResistivity, seiThickness), add(solventLaw, reactionLaw)));
  // The SPMe's electrolyte and solid-phase losses (PyBaMM's composite SPMe): concentration overpotential, electrolyte
  // Ohmic drop (kappa_e at c_e0 and the cell temperature), solid-phase Ohmic drop.
  const electrolyteDrop = electrolyte
    ? b.let('electrolyteOverpotential', 'V', 'eta_c + dphi_e: concentration overpotential plus electrolyte Ohmic drop (<= 0 on discharge)',
      add(
        b.let('concentrationOverpotential', 'V', 'eta_c = chi R T / F (<ln theta>_p - <ln theta>_n)', mul(mul(e.macinnesCoefficient, temperature), sub(electrolyte.lnMean.Pos, electrolyte.lnMean.Neg))),
        b.let('electrolyteOhmicDrop', 'V', 'dphi_e = -I R_e / arrhenius(kappa_e)', neg(div(mul(current, e.electrolyteResistance), arrhenius(e.conductivityActivation, inverseTemperatureGap)))),
      ))
    : ZERO;
  const solidDrop = electrolyte ? b.let('solidOhmicDrop', 'V', 'dphi_s = -I R_s', neg(mul(current, e.solidResistance))) : ZERO;
  const voltage = b.let('voltage', 'V', 'terminal voltage',
    sub(sub(add(add(sub(add(surfaceOcv, overpotential.Pos), overpotential.Neg), electrolyteDrop), solidDrop), mul(current, p.contactResistance)), mul(current, filmResistance)));
  const reversibleHeat = b.let('reversibleHeat', 'W', 'reversible (entropic) heat I T (dU_n/dT - dU_p/dT)', mul(mul(current, temperature), sub(dUdT.Neg, dUdT.Pos)));
  const irreversibleHeat = b.let('irreversibleHeat', 'W', 'reaction heat I (eta_n - eta_p)', mul(current, sub(overpotential.Neg, overpotential.Pos)));
  const electrolyteHeat = electrolyte ? b.let('electrolyteOhmicHeat', 'W', 'electrolyte Ohmic heat -I (eta_c + dphi_e)', neg(mul(current, electrolyteDrop))) : ZERO;
  const solidHeat = electrolyte ? b.let('solidOhmicHeat', 'W', 'solid-phase Ohmic heat I^2 R_s', mul(mul(current, current), e.solidResistance)) : ZERO;
  const ohmicHeat = b.let('ohmicHeat', 'W', 'Ohmic heat in the contact and the current collectors', mul(mul(current, current), add(p.contactResistance, p.collectorResistance)));
  const filmHeat = b.let('filmHeat', 'W', "the SEI film's Joule heat I^2 R_film (on by default; PyBaMM's SPM leaves it out)", mul(mul(mul(current, current), filmResistance), filmHeatOn));
  const totalHeat = b.let('totalHeat', 'W', 'heat generated in the cell',
    add(add(add(add(add(irreversibleHeat, reversibleHeat), electrolyteHeat), solidHeat), ohmicHeat), filmHeat));

  // ---- SEI growth (PyBaMM 26.8 interface/sei/sei_growth.py, x-averaged, SEI on the negative electrode):
  //   solvent-diffusion limited: dL/dt = k_sol Arr(T) / L                     k_sol = V_bar D_sol c_sol / z
  //   reaction limited:          dL/dt = k_rxn Arr(T) exp(-F eta_SEI / (2 R T))  k_rxn = V_bar j0_sei / (F z)
  // with eta_SEI = eta_n + U_n(x_s) - U_sei (PyBaMM builds the SEI current from the total current, so the film terms of
  // delta_phi and eta_SEI cancel) and the rate factor of the cell (variation, random walk). The "drive" is what the
  // step integrates: k_sol Arr f [m2/s] (dL/dt = drive / L) or the reaction rate [m/s] (dL/dt = drive).
  const seiArrhenius = b.let('seiArrhenius', '-', 'Arrhenius factor of the SEI growth', arrhenius(p.seiActivation, inverseTemperatureGap));
  const etaSei = b.let('seiOverpotential', 'V', 'SEI reaction overpotential eta_n + U_n(x_s) - U_sei', sub(add(overpotential.Neg, U.Neg), p.seiOcp));
  const seiDrive = b.let('seiDrive', 'm2/s or m/s', 'the growth law\'s driver: k_sol Arr f (solvent-diffusion limited) or k_rxn Arr f exp(-eta_SEI / (2RT/F)) (reaction limited)',
    mul(mul(p.seiRateFactor, seiArrhenius),
      add(mul(solventLaw, p.seiSolventGrowth), mul(mul(reactionLaw, p.seiReactionGrowth), exp(neg(div(etaSei, thermalVoltage)))))));

  b.kernel({
    name: 'evaluate',
    description: 'Terminal voltage, heat and surface quantities at a state, a current and a temperature rise.',
    inputs: ['current', 'rise'],
    reads: ['s'],
    writes: [],
    outputs: [
      { name: 'voltage', node: voltage },
      { name: 'heat', node: totalHeat },
      { name: 'surfaceOcv', node: surfaceOcv },
      { name: 'surfaceStoichNeg', node: surfaceStoich.Neg },
      { name: 'surfaceStoichPos', node: surfaceStoich.Pos },
      { name: 'heatIrreversible', node: irreversibleHeat },
      { name: 'heatReversible', node: reversibleHeat },
      { name: 'heatOhmicElectrolyte', node: electrolyteHeat },
      // The SEI film's Joule heat is an Ohmic loss in a solid phase too: the solid-phase term carries it.
      { name: 'heatOhmicSolid', node: add(solidHeat, filmHeat) },
      { name: 'seiDrive', node: seiDrive },
      { name: 'stoichiometryMargin', node: stoichiometryMargin },
    ],
    stores: [],
  });

  // ---- advance: the exact update of the particles over dt at constant current, D at the start temperature
  const advanceModes = (e: Electrode) => {
    const lambda = b.let(`decayRate${e.side}`, '1/s', 'mu_m^2 D / R^2 of mode m', mul(eigenvalue, rates[e.side]));
    const target = b.let(`modeTarget${e.side}`, '-', 'steady amplitude of mode m under the step current', div(mul(-2 / 3, fluxes[e.side]), lambda));
    return add(target, mul(sub(e.modes, target), exp(neg(mul(lambda, dt)))));
  };
  b.kernel({
    name: 'advance',
    description: 'The particles over dt at a constant current: exact for the linear diffusion, D at the start temperature.',
    inputs: ['current', 'dt', 'rise'],
    reads: ['s'],
    writes: ['s'],
    outputs: [],
    stores: [
      { buffer: 's', state: 'stoichNeg', node: sub(stoich.Neg, mul(fluxes.Neg, dt)) },
      { buffer: 's', state: 'stoichPos', node: sub(stoich.Pos, mul(fluxes.Pos, dt)) },
      { buffer: 's', state: 'modesNeg', node: advanceModes(electrodes.Neg) },
      { buffer: 's', state: 'modesPos', node: advanceModes(electrodes.Pos) },
      ...(electrolyte ? [{ buffer: 's', state: 'electrolyte', node: electrolyte.advance(current, dt, inverseTemperatureGap) }] : []),
      // The SEI is integrated by the step template (the integrate kernel); the particle update leaves it as it is.
      { buffer: 's', state: 'seiGrowth', node: growthState },
    ],
  });

  // ---- integrate: the SEI growth over dt from the drive at the start and at the (predicted) end of the step
  // (docs/lifetime.md): with twice = (drive_start + drive_end) dt,
  //   solvent-diffusion limited: L1^2 = L0^2 + twice (exact for a linear-in-time Arrhenius factor), formed without the
  //     cancellation of sqrt(L0^2 + twice) - L0;
  //   reaction limited: L1 = L0 + twice / 2 (the trapezoid: the rate does not depend on L).
  const twice = b.let('seiTwiceIntegral', 'm2 or m', '(drive_start + drive_end) dt', mul(add(driveStart, driveEnd), dt));
  const increment = b.let('seiGrowthIncrement', 'm', 'SEI growth over the step',
    add(mul(solventLaw, div(twice, add(seiThickness, sqrt(add(mul(seiThickness, seiThickness), twice))))), mul(mul(reactionLaw, 0.5), twice)));
  b.kernel({
    name: 'integrate',
    description: 'The SEI growth over dt from its drive at the start and the end of the step, into the end state.',
    inputs: ['seiDriveStart', 'seiDriveEnd', 'dt'],
    reads: ['s'],
    writes: ['e'],
    outputs: [],
    stores: [{ buffer: 'e', state: 'seiGrowth', node: add(seiGrowth, increment) }],
  });

  // ---- thermal: exact solution of C dT/dt = Q - h A (T - T_amb) over dt with Q held constant
  const decay = b.let('coolingDecay', '-', '1 - exp(-h A dt / C)', neg(expm1(neg(mul(coolingRate, dt)))));
  const cooled = add(rise, mul(sub(add(ambientRise, div(heat, p.coolingConductance)), rise), decay));
  const adiabatic = add(rise, mul(mul(heat, dt), invHeatCapacity));
  const riseEnd = b.let('riseEnd', 'K', 'temperature rise at the end of the step', select(gt(p.coolingConductance, 0), cooled, adiabatic));
  b.kernel({
    name: 'thermal',
    description: 'The lumped temperature over dt with the heat source held constant; cooling is the heat removed [J].',
    inputs: ['rise', 'heat', 'dt'],
    reads: [],
    writes: [],
    outputs: [
      { name: 'rise', node: riseEnd },
      { name: 'cooling', node: sub(mul(heat, dt), mul(p.heatCapacity, sub(riseEnd, rise))) },
    ],
    stores: [],
  });

  b.kernel({
    name: 'init',
    description: 'The initial state: uniform particles at the initial stoichiometries, the initial temperature.',
    inputs: [],
    reads: [],
    writes: ['s'],
    outputs: [],
    stores: [
      { buffer: 's', state: 'stoichNeg', node: p.initialStoichNeg },
      { buffer: 's', state: 'stoichPos', node: p.initialStoichPos },
      { buffer: 's', state: 'temperatureRise', node: initialRise },
      { buffer: 's', state: 'modesNeg', node: ZERO },
      { buffer: 's', state: 'modesPos', node: ZERO },
      ...(electrolyte ? [{ buffer: 's', state: 'electrolyte', node: ONE }] : []),
      { buffer: 's', state: 'seiGrowth', node: ZERO },
    ],
  });

  b.kernel({
    name: 'soc',
    description: 'State of charge from the negative particle average (0 at the lower cut-off, 1 at the upper of the fresh cell).',
    inputs: [],
    reads: ['s'],
    writes: [],
    outputs: [{ name: 'soc', node: mul(sub(stoichNegAverage, p.stoichNegEmpty), socScale) }],
    stores: [],
  });
  b.kernel({
    name: 'limits',
    description: 'What a run stops on besides the voltage: the lowest c_e / c_e0 over the volumes, and its margin to depletion (10 mol/m3).',
    inputs: [],
    reads: ['s'],
    writes: [],
    outputs: electrolyte
      ? [
          { name: 'electrolyteMinimum', node: electrolyte.minimum },
          { name: 'depletionMargin', node: sub(electrolyte.minimum, b.derived({ name: 'depletedFraction', unit: '-', description: '10 mol/m3 / c_e0: theta at depletion' }, div(TRANSPORT_CONCENTRATION_MIN, e.electrolyteConcentration))) },
        ]
      : [
          // The SPM's electrolyte stays at c_e0.
          { name: 'electrolyteMinimum', node: ONE },
          { name: 'depletionMargin', node: ONE },
        ],
    stores: [],
  });
  return b.build(['voltage', 'heat'], ['seiDrive']);
}

/**
 * The SPMe's electrolyte (PyBaMM: electrolyte_diffusion/full_diffusion.py with the x-averaged reaction of the SPMe):
 * theta_m = c_e / c_e0 in N = N_n + N_s + N_p finite volumes (volume m of width h and porosity eps per region),
 *   eps_m h_m dtheta_m/dt = G_{m+1/2} (theta_{m+1} - theta_m) - G_{m-1/2} (theta_m - theta_{m-1}) + I q_m,
 * G_{m+1/2} = Dbar / ((rho_m + rho_{m+1}) / 2), rho = h / B (B = eps^b, Bruggeman, or eps / tau), Dbar the mean of
 * D_e over [theta_m, theta_{m+1}] by Simpson's rule (the Kirchhoff transform's exact face flux for D_e up to cubic in
 * c_e), no flux at either current collector, q = (1 - t+) / (F c_e0 A N_n) in the negative electrode, 0 in the
 * separator, -(1 - t+) / (F c_e0 A N_p) in the positive. One step: the linearly implicit Euler step
 *   (M + dt K) k = F(theta^n) + I q,   theta^{n+1} = theta^n + dt k,
 * M = diag(eps h), K the conductance matrix and F the fluxes at theta^n and the start temperature: affine in I.
 * Summary states (x-averages the voltage reads, per electrode): <ln theta>, and a two-point Gauss rule in
 * s = theta^(-1/2) (nodes from the mean and central moments mu2, mu3 of s over the volumes, exact for cubics in s), so
 * the x-averaged reaction overpotential costs two asinh per electrode whatever the mesh (docs/numerics.md).
 */
function electrolyteDeclarations(b: CellBuilder, e: Record<(typeof ELECTROLYTE_PARAMETERS)[number]['name'], Node>) {
  const cells = b.length({
    name: 'electrolyteCells',
    description: 'finite volumes of the electrolyte: negative electrode, separator, positive electrode',
    max: 600,
    value: (c) => electrolyteStateLength(c.mesh),
  });
  const region = (name: keyof ElectrolyteMesh, key: string) =>
    b.table({ name: key, length: cells, unit: '-', description: `1 in the ${name} volumes, else 0`, value: (c) => regionTable(c.mesh, name) });
  const inNeg = region('negative', 'regionNeg');
  const inSep = region('separator', 'regionSep');
  const inPos = region('positive', 'regionPos');
  const interior = b.table({
    name: 'interiorFace', length: cells, unit: '-', description: '1 where volume m has a neighbour m + 1 (0 at the positive current collector)',
    value: (c) => Float64Array.from({ length: electrolyteStateLength(c.mesh) }, (_, m) => (m + 1 < electrolyteStateLength(c.mesh) ? 1 : 0)),
  });
  const inverseCount = (name: 'negative' | 'positive', key: string) =>
    b.constant({ name: key, unit: '-', description: `1 / (finite volumes of the ${name} electrode)`, value: (c) => 1 / c.mesh[name] });
  const perNeg = inverseCount('negative', 'inverseCellsNeg');
  const perPos = inverseCount('positive', 'inverseCellsPos');
  const fit = (key: string, description: string, value: (f: ReturnType<typeof diffusivityFit>) => number) =>
    b.constant({ name: key, unit: '-', description, value: (c) => value(diffusivityFit(c.set.electrolyte.diffusivity)) });
  const dPerRef = b.constant({ name: 'diffusivityInverseReference', unit: 'm3/mol', description: '1 / c_ref of the D_e fit', value: (c) => 1 / diffusivityFit(c.set.electrolyte.diffusivity).reference });
  const d = [0, 1, 2, 3].map((k) => fit(`diffusivityTerm${k}`, `coefficient of z^${k} in the D_e fit [m2/s]`, (f) => f.terms[k]));
  const dRate = fit('diffusivityRate', 'r in exp(r z) of the D_e fit', (f) => f.rate);

  const theta = b.vector({ name: 'electrolyte', length: cells, unit: '-', description: 'electrolyte concentration over its initial value, theta = c_e / c_e0, per finite volume' });
  const byRegion = (neg: Node, sep: Node, pos: Node) => add(add(mul(inNeg, neg), mul(inSep, sep)), mul(inPos, pos));

  // ---- summaries of theta (recomputed after each step)
  const floored = max(theta, THETA_FLOOR);
  // s is stored as the first pass (the means) computes it, so the second (the central moments) reads it.
  const s = div(1, sqrt(floored));
  const stored = at(vector('inverseRootTheta', s), 0);
  const electrode = (side: 'Neg' | 'Pos', weight: Node, per: Node) => {
    // <ln theta> as the logarithm of the electrode's product of theta: one logarithm per electrode, not one per volume.
    const factors = select(gt(weight, 0.5), floored, 1);
    const lnMean = b.summary(
      { name: `lnMean${side}`, unit: '-', description: `<ln theta> over the ${side === 'Neg' ? 'negative' : 'positive'} electrode volumes` },
      mul(log(product(cells, factors)), per),
    );
    const mean = b.let(`meanInverseRoot${side}`, '-', `mean of s over the ${side === 'Neg' ? 'negative' : 'positive'} electrode`, mul(sum(cells, mul(weight, s)), per));
    return { lnMean, mean };
  };
  const neg_ = electrode('Neg', inNeg, perNeg);
  const pos_ = electrode('Pos', inPos, perPos);
  const deviation = sub(stored, add(mul(inNeg, neg_.mean), mul(inPos, pos_.mean)));
  const gauss = (side: 'Neg' | 'Pos', weight: Node, per: Node, mean: Node) => {
    const mu2 = b.let(`varianceInverseRoot${side}`, '-', 'central second moment mu2 of s', mul(sum(cells, mul(weight, mul(deviation, deviation))), per));
    const mu3 = b.let(`skewInverseRoot${side}`, '-', 'central third moment mu3 of s', mul(sum(cells, mul(weight, mul(mul(deviation, deviation), deviation))), per));
    // Nodes xi solve xi^2 - (mu3/mu2) xi - mu2 = 0 around the mean; one node of weight 1/2 when s is uniform.
    const spread = gt(mu2, VARIANCE_MIN);
    const half = div(mu3, mul(2, mu2));
    const root = sqrt(add(mul(half, half), mu2));
    const xi1 = sub(half, root);
    const xi2 = add(half, root);
    const label = side === 'Neg' ? 'negative' : 'positive';
    return {
      node1: b.summary({ name: `node${side}1`, unit: '-', description: `first Gauss node in theta^(-1/2), ${label} electrode` }, select(spread, add(mean, xi1), mean)),
      node2: b.summary({ name: `node${side}2`, unit: '-', description: `second Gauss node in theta^(-1/2), ${label} electrode` }, select(spread, add(mean, xi2), mean)),
      weight1: b.summary({ name: `weight${side}1`, unit: '-', description: `weight of the first node, ${label} electrode (the second has 1 - w)` }, select(spread, div(xi2, sub(xi2, xi1)), 0.5)),
    };
  };
  const rule = { Neg: gauss('Neg', inNeg, perNeg, neg_.mean), Pos: gauss('Pos', inPos, perPos, pos_.mean) };

  const minimum_ = b.let('electrolyteMinimum', '-', 'lowest theta over the volumes', minimum(cells, theta));

  return {
    lnMean: { Neg: neg_.lnMean, Pos: pos_.lnMean },
    minimum: minimum_,
    /** w1 asinh(u s1) + (1 - w1) asinh(u s2): the x-average of asinh(u theta^(-1/2)) over an electrode. */
    meanAsinh: (u: Node, side: 'Neg' | 'Pos') => {
      const g = rule[side];
      return add(mul(g.weight1, asinh(mul(u, g.node1))), mul(sub(1, g.weight1), asinh(mul(u, g.node2))));
    },
    /** theta at the end of a step of dt at current I (D_e at the start state and temperature). */
    advance: (current: Node, dt: Node, inverseTemperatureGap: Node) => {
      const concentration = (x: Node) => mul(max(mul(e.electrolyteConcentration, x), TRANSPORT_CONCENTRATION_MIN), dPerRef);
      const diffusivityOf = (x: Node) => {
        const z = concentration(x);
        return mul(add(d[0], mul(z, add(d[1], mul(z, add(d[2], mul(z, d[3])))))), arrhenius(dRate, z));
      };
      const scale = b.let('electrolyteDiffusivityFactor', '-', 'scale times the Arrhenius factor of D_e at the start temperature', mul(e.diffusivityScale, arrhenius(e.diffusivityActivation, inverseTemperatureGap)));
      const centre = vector('diffusivity', diffusivityOf(theta));
      const right = at(theta, 1);
      const simpson = mul(add(add(at(centre, 0), at(centre, 1)), mul(4, diffusivityOf(mul(0.5, add(theta, right))))), 1 / 6);
      const path = vector('pathLength', byRegion(e.pathLengthNeg, e.pathLengthSep, e.pathLengthPos));
      const face = vector('faceConductance', mul(interior, div(mul(mul(scale, simpson), 2), add(at(path, 0), at(path, 1)))));
      const west = at(face, -1);
      const east = at(face, 0);
      const pore = byRegion(e.poreWidthNeg, e.poreWidthSep, e.poreWidthPos);
      const source = add(mul(inNeg, e.sourceNeg), mul(inPos, e.sourcePos));
      const flux = add(mul(west, sub(at(theta, -1), theta)), mul(east, sub(right, theta)));
      const rate = b.let('electrolyteRate', '1/s', 'k: the rate of theta over the step, (M + dt K) k = F + I q', solve(neg(mul(dt, west)), add(pore, mul(dt, add(west, east))), neg(mul(dt, east)), add(flux, mul(current, source))));
      return add(theta, mul(dt, at(rate, 0)));
    },
  };
}

/** The SPM + lumped thermal + SEI definition. */
export const SPM_DEFINITION = build('spm');
/** The SPMe + lumped thermal + SEI definition (the SPM's parameter rows are a prefix of its own). */
export const SPME_DEFINITION = build('spme');
/** Every model's definition. */
export const DEFINITIONS: Readonly<Record<CellModel, CellDefinition>> = { spm: SPM_DEFINITION, spme: SPME_DEFINITION };
