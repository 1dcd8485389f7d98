// The library validates like the CLI (issue 15): runStudy takes a study object and validates it, and bad input throws
// the typed Cellspread*Error classes, never a bare TypeError or RangeError and never a "completed" empty result.
import { describe, expect, it } from 'vitest';
import { CellspreadError, CellspreadInputError, EXIT_CODE, parseStudySpec, runStudy, StudySpecError } from '../../src/index.ts';
import type { StudyChunk } from '../../src/index.ts';

const STUDY = {
  name: 'lib',
  pack: { series: 2, parallel: 1 },
  protocol: [{ type: 'discharge', cRate: 2 }],
  variation: { capacity: { cell: { distribution: 'normal', sd: 0.01 } } },
  run: { samples: 4, seed: 1, chunkSize: 2 },
};

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('runStudy validates its study object', () => {
  it('a negative time step is a spec error, not a completed 0 Ah result', async () => {
    const e = await rejection(runStudy({ ...STUDY, simulation: { timeStep: -10 } }, { backend: 'reference' }));
    expect(e).toBeInstanceOf(StudySpecError);
    expect(e.message).toBe('simulation.timeStep must be > 0, got -10');
    expect((e as CellspreadError).exitCode).toBe(EXIT_CODE.input);
  });

  it('bad seeds are typed errors naming run.seed, never RangeError', async () => {
    for (const seed of [-1, 1.5, 2 ** 60, 'x', NaN]) {
      const e = await rejection(runStudy({ ...STUDY, run: { ...STUDY.run, seed } }, { backend: 'reference' }));
      expect(e, String(seed)).toBeInstanceOf(StudySpecError);
      expect(e).not.toBeInstanceOf(RangeError);
      expect(e.message).toMatch(/^run\.seed must be/);
    }
  });

  it('not a study at all: a typed error too', async () => {
    for (const input of [undefined, null, 'study.yaml', 42, [], { pack: 'big' }]) {
      const e = await rejection(runStudy(input as never, { backend: 'reference' }));
      expect(e, JSON.stringify(input)).toBeInstanceOf(CellspreadInputError);
    }
    const e = await rejection(runStudy(STUDY, { backend: 'reference', range: { start: 3, end: 2 } }));
    expect(e).toBeInstanceOf(CellspreadInputError);
  });

  it('a valid study object runs; the result carries validity, hashes and the declared cost', async () => {
    const r = await runStudy(STUDY, { backend: 'reference' });
    expect(r.cancelled).toBe(false);
    expect(r.counts).toMatchObject({ samples: 4, validSamples: 4, invalidSamples: 0, cells: 8 });
    expect(r.invalid).toEqual([]);
    expect(r.spec).toEqual(parseStudySpec(JSON.stringify(STUDY), { format: 'json' }));
    expect(r.simulationHash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.cost).toMatchObject({ samples: 4, cellsPerPack: 2 });
    // Streaming: collect false keeps nothing, and every chunk reaches the consumer in order.
    const seen: StudyChunk[] = [];
    const s = await runStudy(STUDY, { backend: 'reference', collect: false, consumeChunk: (c) => void seen.push(c) });
    expect(s.outputs.length).toBe(0);
    expect(seen.map((c) => c.start)).toEqual([0, 2]);
    expect(Float64Array.from(seen.flatMap((c) => Array.from(c.outputs)))).toEqual(r.outputs);
  });
});
