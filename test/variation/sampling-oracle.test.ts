import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CELL_PARAMETER_COUNT, CELL_PARAMETERS, cellParameters } from '../../src/model/layout.ts';
import { chen2020 } from '../../src/params/index.ts';
import { defaultStudy, parseStudySpec, type StudySpec } from '../../src/spec/index.ts';
import { sampleChunk, sampleChunkFromLatent, sobolLatent, type SampleChunk } from '../../src/variation/index.ts';
import { todayDeriveCellParameters } from '../support/derive-today.ts';

/**
 * The overrides docs/variation.md gives for a cell's varied quantities (re-implemented here from the docs, for the
 * quantities these studies vary), fed to today's derivation (test/support/derive-today.ts).
 */
function documentedOverrides(spec: StudySpec, chunk: SampleChunk, sample: number, cell: number): Record<string, number> {
  const o: Record<string, number> = {};
  if (spec.pack.ambientTemperature !== undefined) {
    o['thermal.ambientTemperature'] = spec.pack.ambientTemperature;
    o['thermal.initialTemperature'] = spec.pack.ambientTemperature;
  }
  const { names, values } = chunk.cellQuantities;
  names.forEach((name, q) => {
    const x = values[(q * chunk.count + sample) * chunk.cellsPerPack + cell];
    const [quantity, side] = name.split('.') as [string, 'negative' | 'positive'];
    switch (quantity) {
      case 'coatingThickness':
        o[`${side}.thickness`] = x;
        break;
      case 'particleRadius':
        o[`${side}.particleRadius`] = x;
        break;
      case 'porosity': {
        const e = chen2020[side];
        o[`${side}.activeMaterialVolumeFraction`] = (e.activeMaterialVolumeFraction / (1 - e.porosity)) * (1 - x);
        break;
      }
      case 'capacity':
        o['geometry.electrodeWidth'] = (chen2020.geometry.electrodeWidth * x) / chen2020.electrical.nominalCapacity;
        break;
      case 'contactResistance':
        o['electrical.contactResistance'] = x;
        break;
      case 'heatTransferCoefficient':
        o['thermal.heatTransferCoefficient'] = x;
        break;
      case 'lithiumInventory':
        o.lithiumInventoryFactor = x;
        break;
      default:
        throw new Error(`test mapping misses ${name}`);
    }
  });
  return o;
}

function worstAgainstToday(spec: StudySpec, chunk: SampleChunk): number {
  let worst = 0;
  const cells = chunk.count * chunk.cellsPerPack;
  for (let s = 0; s < chunk.count; s++) {
    for (let c = 0; c < chunk.cellsPerPack; c++) {
      const expected = todayDeriveCellParameters(chen2020, chunk.initialSoc[s * chunk.cellsPerPack + c], documentedOverrides(spec, chunk, s, c));
      CELL_PARAMETERS.forEach((p, k) => {
        const got = chunk.kernelParameters[k * cells + s * chunk.cellsPerPack + c];
        const e = expected[p.name];
        const scale = Math.max(Math.abs(got), Math.abs(e));
        if (scale > 0) worst = Math.max(worst, Math.abs(got - e) / scale);
      });
    }
  }
  return worst;
}

describe('sampled kernel parameters against today\'s derivation', () => {
  const studies: [string, () => StudySpec][] = [
    ['the default study', defaultStudy],
    ['examples/pack-96s4p-welds.yaml', () => parseStudySpec(readFileSync(new URL('../../examples/pack-96s4p-welds.yaml', import.meta.url), 'utf8'), { source: 'pack-96s4p-welds.yaml' })],
  ];
  for (const [label, make] of studies) {
    it(`${label}: Monte Carlo and Sobol' chunks agree to 1e-12 relative`, () => {
      const spec = make();
      const mc = sampleChunk(spec, 101, 6);
      // The study's model's rows (the SPMe's: the SPM's, then the electrolyte's, which test/model/spme-variation.test.ts
      // checks against their derivation); the SPM's rows, a prefix of every model's, against today's derivation here.
      expect(mc.kernelParameters.length).toBe(cellParameters(spec.simulation.model).length * 6 * spec.pack.series * spec.pack.parallel);
      expect(cellParameters(spec.simulation.model).slice(0, CELL_PARAMETER_COUNT)).toEqual(CELL_PARAMETERS);
      expect(worstAgainstToday(spec, mc)).toBeLessThanOrEqual(1e-12);
      const qmc = sampleChunkFromLatent(spec, sobolLatent(spec, 0, 4), 4);
      expect(worstAgainstToday(spec, qmc)).toBeLessThanOrEqual(1e-12);
    });
  }
});
