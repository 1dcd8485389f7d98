/**
 * The benchmark studies, as plain study-file objects (each benchmark validates them with the sources it measures, so
 * an old commit's copy reads the same study): Chen2020 single cells (1s1p packs) with cell-to-cell variation through
 * a 1C discharge to the cut-off, the workload of bench/wasm.ts, bench/gpu.ts, bench/sampling.ts and bench/run.ts.
 */
export function singleCellStudy(samples: number) {
  return {
    name: 'single-cells-1C',
    params: 'chen2020',
    pack: { series: 1, parallel: 1 },
    protocol: [{ type: 'discharge', cRate: 1 }],
    variation: {
      'particleRadius.negative': { scale: 'log', cell: { distribution: 'lognormal', sd: 0.1 } },
      capacity: { scale: 'relative', cell: { distribution: 'normal', sd: 0.02 } },
      contactResistance: { scale: 'log', base: 5e-4, cell: { distribution: 'lognormal', sd: 0.2 } },
    },
    run: { samples, seed: 1, chunkSize: samples },
  };
}

/** The 1C discharge alone, for packs whose study file adds more steps. */
export const ONE_C_DISCHARGE = [{ type: 'discharge', cRate: 1 }];
