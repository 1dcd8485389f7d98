import type { StudyProgress } from '../study/runner.ts';

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** A rate of samples: per second, or per hour below 0.1 per second (a lifetime study's packs take minutes each). */
function rate(perSecond: number): string {
  if (perSecond >= 10) return `${perSecond.toFixed(0)}/s`;
  if (perSecond >= 0.1 || perSecond === 0) return `${perSecond.toFixed(2)}/s`;
  const perHour = perSecond * 3600;
  return `${perHour >= 10 ? perHour.toFixed(0) : perHour.toPrecision(2)}/h`;
}

/**
 * Progress on stderr: a live bar on a terminal, plain periodic lines otherwise (CI logs), nothing when quiet.
 */
export class ProgressReporter {
  private lastLine = 0;
  constructor(
    private readonly stream: NodeJS.WriteStream | { isTTY?: boolean; columns?: number; write(s: string): boolean },
    private readonly mode: 'tty' | 'lines' | 'quiet',
    private readonly intervalMs = 5000,
  ) {}

  static for(stream: NodeJS.WriteStream, quiet: boolean): ProgressReporter {
    return new ProgressReporter(stream, quiet ? 'quiet' : stream.isTTY ? 'tty' : 'lines');
  }

  update(p: StudyProgress): void {
    if (this.mode === 'quiet') return;
    const pct = p.samplesTotal > 0 ? p.samplesDone / p.samplesTotal : 1;
    const text = `${Number.isInteger(p.samplesDone) ? p.samplesDone : p.samplesDone.toFixed(1)}/${p.samplesTotal} samples  ${rate(p.samplesPerSecond)}  ETA ${duration(p.etaSeconds)}`;
    if (this.mode === 'tty') {
      const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - text.length - 10));
      const fill = Math.round(pct * width);
      this.stream.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(pct * 100).toFixed(0).padStart(3)}%  ${text}\x1b[K`);
      return;
    }
    const now = Date.now();
    if (now - this.lastLine >= this.intervalMs || p.samplesDone === p.samplesTotal) {
      this.lastLine = now;
      this.stream.write(`progress: ${(pct * 100).toFixed(1)}%  ${text}\n`);
    }
  }

  done(message: string): void {
    if (this.mode === 'quiet') return;
    if (this.mode === 'tty') this.stream.write('\n');
    this.stream.write(`${message}\n`);
  }
}
