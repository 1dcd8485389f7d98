/**
 * The arguments of the WebAssembly module's `configure` (generated into assembly/configure.generated.ts): the study
 * constants of the cell definition (vector lengths, scalars, tables, series) followed by the pack settings. The host
 * (src/backends/wasm) builds its argument list from the same two lists, so the two sides cannot drift.
 */
import { flattenSeries, type StoichFunction } from '../model/series.ts';
import { studyConstantUnion, type CellDefinition } from './define.ts';

export type ConfigureType = 'i32' | 'f64' | 'bool' | 'array';

export interface ConfigureArgument {
  readonly name: string;
  readonly type: ConfigureType;
  readonly description: string;
}

/**
 * The study constants of every model's definition (their union by name), after the model index, in the order
 * configureKernel takes them. A study of one model passes 0 (or an empty array) for another model's constants.
 */
export function kernelConfigureArguments(defs: readonly CellDefinition[]): ConfigureArgument[] {
  const u = studyConstantUnion(defs);
  return [
    { name: 'model', type: 'i32', description: 'the cell model: index in src/model/physics.ts CELL_MODELS' },
    ...u.lengths.map((l) => ({ name: l.name, type: 'i32' as const, description: l.description })),
    ...u.constants.map((c) => ({ name: c.name, type: 'f64' as const, description: c.description })),
    ...u.tables.map((t) => ({ name: t.name, type: 'array' as const, description: t.description })),
    ...u.series.map((s) => ({ name: s.name, type: 'array' as const, description: `${s.description} (flattened series)` })),
  ];
}

/**
 * The study constants of a kernel-constants object as one f64 stream in definition order (what the generated C reader
 * `kernel_constants_read` takes): lengths, scalars, tables, then each series as its length and flattened values.
 */
export function flattenKernelConstants(def: CellDefinition, k: Readonly<Record<string, unknown>>): number[] {
  const out: number[] = [];
  for (const l of def.lengths) out.push(k[l.name] as number);
  for (const c of def.constants) out.push(k[c.name] as number);
  for (const t of def.tables) out.push(...(k[t.name] as Float64Array));
  for (const f of def.series) {
    const flat = flattenSeries(k[f.name] as StoichFunction);
    out.push(flat.length, ...flat);
  }
  return out;
}

/** The step template's and pack machine's settings (assembly/step.ts configureStep, assembly/pack.ts configurePack). */
export const STEP_CONFIGURE_ARGUMENTS: readonly ConfigureArgument[] = [
  { name: 'isothermal', type: 'bool', description: 'isothermal (no temperature update)' },
  { name: 'aging', type: 'bool', description: 'SEI growth on (the integrate kernels run in every step)' },
];

export const PACK_CONFIGURE_ARGUMENTS: readonly ConfigureArgument[] = [
  { name: 'series', type: 'i32', description: 'series groups' },
  { name: 'parallel', type: 'i32', description: 'cells per group' },
  { name: 'modules', type: 'i32', description: 'modules' },
  { name: 'timeStep', type: 'f64', description: 'time step [s]' },
  { name: 'conduction', type: 'f64', description: 'conductance between chain neighbours [W/K]' },
  { name: 'stopAtPack', type: 'bool', description: 'stop on the pack voltage (else on a cell)' },
  { name: 'segments', type: 'array', description: 'compiled segments, SEGMENT_FIELD_COUNT per row' },
  { name: 'segmentCount', type: 'i32', description: 'number of segments' },
];

const AS_TYPE: Record<ConfigureType, string> = { i32: 'i32', f64: 'f64', bool: 'bool', array: 'usize' };

/** assembly/configure.generated.ts */
export function assemblyscriptConfigure(defs: readonly CellDefinition[], header: string): string {
  const kernel = kernelConfigureArguments(defs);
  const all = [...kernel, ...STEP_CONFIGURE_ARGUMENTS, ...PACK_CONFIGURE_ARGUMENTS];
  const names = (xs: readonly ConfigureArgument[]) => xs.map((a) => a.name).join(', ');
  return [
    `// ${header}`,
    "import { configureKernel } from './kernel.generated';",
    "import { configurePack } from './pack';",
    "import { configureStep } from './step';",
    '',
    '/**',
    ' * Configure the module for one study (arrays are byte addresses in linear memory, written by the host first):',
    ...all.map((a) => ` *   ${a.name}: ${a.description}`),
    ' */',
    `export function configure(${all.map((a) => `${a.name}: ${AS_TYPE[a.type]}`).join(', ')}): void {`,
    `  configureKernel(${names(kernel)});`,
    `  configureStep(${names(STEP_CONFIGURE_ARGUMENTS)});`,
    `  configurePack(${names(PACK_CONFIGURE_ARGUMENTS)});`,
    '}',
    '',
  ].join('\n');
}
