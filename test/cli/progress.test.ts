import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../src/cli/progress.ts';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { s: { isTTY, columns: 100, write: (t: string) => (writes.push(t), true) }, writes };
}

const at = (done: number) => ({ samplesDone: done, samplesTotal: 200, elapsedSeconds: done / 10, samplesPerSecond: 10, etaSeconds: (200 - done) / 10 });

describe('progress reporting', () => {
  it('draws a live bar with samples, rate and time remaining on a terminal', () => {
    const { s, writes } = stream(true);
    const p = new ProgressReporter(s, 'tty');
    p.update(at(50));
    expect(writes[0].startsWith('\r[')).toBe(true);
    expect(writes[0]).toContain(' 25%');
    expect(writes[0]).toContain('50/200 samples');
    expect(writes[0]).toContain('10/s');
    expect(writes[0]).toContain('ETA 15s');
    p.done('done');
    expect(writes.at(-1)).toBe('done\n');
  });

  it('prints plain periodic lines when not a terminal (CI logs), always including the last', () => {
    const { s, writes } = stream(false);
    const p = new ProgressReporter(s, 'lines', 60_000);
    p.update(at(50));
    p.update(at(100));
    p.update(at(200));
    expect(writes).toEqual(['progress: 25.0%  50/200 samples  10/s  ETA 15s\n', 'progress: 100.0%  200/200 samples  10/s  ETA 0s\n']);
    expect(writes.every((w) => !w.includes('\r'))).toBe(true);
  });

  it('gives slow rates per hour (a lifetime study: minutes per pack)', () => {
    const { s, writes } = stream(false);
    const p = new ProgressReporter(s, 'lines', 0);
    p.update({ samplesDone: 4.5, samplesTotal: 8, elapsedSeconds: 1500, samplesPerSecond: 0.003, etaSeconds: 1167 });
    p.update({ samplesDone: 100, samplesTotal: 200, elapsedSeconds: 400, samplesPerSecond: 0.25, etaSeconds: 400 });
    p.update({ samplesDone: 5, samplesTotal: 8, elapsedSeconds: 160, samplesPerSecond: 0.031, etaSeconds: 97 });
    expect(writes).toEqual(['progress: 56.3%  4.5/8 samples  11/h  ETA 19m27s\n', 'progress: 50.0%  100/200 samples  0.25/s  ETA 6m40s\n', 'progress: 62.5%  5/8 samples  112/h  ETA 1m37s\n']);
  });

  it('is silent when quiet', () => {
    const { s, writes } = stream(true);
    const p = new ProgressReporter(s, 'quiet');
    p.update(at(10));
    p.done('done');
    expect(writes).toEqual([]);
  });
});
