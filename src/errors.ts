/**
 * One error type for bad input everywhere in cellspread: it names the field path, the rule and the value received,
 * e.g. `cRate must be > 0, got -1`. The CLI turns it into a message and a non-zero exit code.
 */
export class CellspreadInputError extends Error {
  readonly field: string;
  readonly rule: string;
  readonly received: unknown;

  constructor(field: string, rule: string, received: unknown, hint?: string) {
    super(`${field} ${rule}, got ${formatValue(received)}${hint ? ` (${hint})` : ''}`);
    this.name = 'CellspreadInputError';
    this.field = field;
    this.rule = rule;
    this.received = received;
  }
}

export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(value);
  }
}

/** Levenshtein distance, for "did you mean" suggestions on misspelt names. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest names to `name` among `candidates` (case-insensitive), best first; empty if none is close. */
export function closestNames(name: string, candidates: readonly string[], max = 3): string[] {
  const lower = name.toLowerCase();
  return candidates
    .map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) }))
    .filter(({ c, d }) => d <= Math.max(2, Math.floor(c.length / 3)))
    .sort((x, y) => x.d - y.d)
    .slice(0, max)
    .map(({ c }) => c);
}

export function unknownNameError(field: string, name: string, candidates: readonly string[]): CellspreadInputError {
  const best = closestNames(name, candidates);
  const hint = best.length > 0 ? `did you mean ${best.map((b) => `"${b}"`).join(' or ')}?` : `valid: ${candidates.join(', ')}`;
  return new CellspreadInputError(field, 'must be a known name', name, hint);
}
