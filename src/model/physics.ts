/**
 * THE cell physics: the single particle model (SPM) with lumped thermal and SEI growth on the negative electrode
 * (PyBaMM's "solvent-diffusion limited" and "reaction limited" laws, a per-study option), in PyBaMM's conventions,
 * defined once. OCPs are the set's closed-form series or measured tables (OKane2022's graphite).
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
 * The SEI growth is not affine in the current: the `integrate` kernel updates it from its drive at the start and the
 * predicted end of the step (docs/lifetime.md); its lithium is taken out of the stored negative stoichiometry by the
 * named intermediate `stoichNegAverage`, so particles + SEI conserve lithium by construction.
 */
import { CellBuilder, type ParameterDecl } from '../kernels/define.ts';
import { add, arrhenius, asinh, clamp, div, expm1, exp, gt, max, mul, neg, select, series, sqrt, sub, sum, ZERO, type Node } from '../kernels/ir.ts';
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

function build() {
  const b = new CellBuilder('spm-lumped', 'single particle model (exact sphere eigenmodes) with a lumped thermal model');
  const p = Object.fromEntries(CELL_PARAMETERS.map((e) => [e.name, b.parameter(e)])) as Record<(typeof CELL_PARAMETERS)[number]['name'], Node>;

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
  const overpotential = {
    Neg: b.let('overpotentialNeg', 'V', 'negative reaction overpotential (symmetric Butler-Volmer, inverted)', mul(thermalVoltage, asinh(div(current, i0.Neg)))),
    Pos: b.let('overpotentialPos', 'V', 'positive reaction overpotential', mul(thermalVoltage, asinh(div(neg(current), i0.Pos)))),
  };
  const surfaceOcv = b.let('surfaceOcv', 'V', 'open-circuit voltage at the particle surfaces U_p - U_n', sub(U.Pos, U.Neg));
  const filmResistance = b.let('filmResistance', 'Ohm', 'SEI film resistance L_sei R_sei / (a_n L_n A n_elec) (0 without SEI growth)',
    mul(mul(p.seiFilmResistivity, seiThickness), add(solventLaw, reactionLaw)));
  const voltage = b.let('voltage', 'V', 'terminal voltage',
    sub(sub(sub(add(surfaceOcv, overpotential.Pos), overpotential.Neg), mul(current, p.contactResistance)), mul(current, filmResistance)));
  const reversibleHeat = b.let('reversibleHeat', 'W', 'reversible (entropic) heat I T (dU_n/dT - dU_p/dT)', mul(mul(current, temperature), sub(dUdT.Neg, dUdT.Pos)));
  const irreversibleHeat = b.let('irreversibleHeat', 'W', 'reaction heat I (eta_n - eta_p)', mul(current, sub(overpotential.Neg, overpotential.Pos)));
  const ohmicHeat = b.let('ohmicHeat', 'W', 'Ohmic heat in the contact and the current collectors', mul(mul(current, current), add(p.contactResistance, p.collectorResistance)));
  const filmHeat = b.let('filmHeat', 'W', "the SEI film's Joule heat I^2 R_film (on by default; PyBaMM's SPM leaves it out)", mul(mul(mul(current, current), filmResistance), filmHeatOn));
  const totalHeat = b.let('totalHeat', 'W', 'heat generated in the cell', add(add(add(irreversibleHeat, reversibleHeat), ohmicHeat), filmHeat));

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
      { name: 'seiDrive', node: seiDrive },
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
  return b.build(['voltage', 'heat'], ['seiDrive']);
}

/** The SPM + lumped thermal + SEI definition (the only model so far; SPMe is issue 14). */
export const SPM_DEFINITION = build();
