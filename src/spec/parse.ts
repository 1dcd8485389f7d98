/**
 * Parsing study files (YAML or JSON text) into a validated {@link StudySpec}. Errors name the field path, the rule and
 * the value, and are prefixed with `source:line:column` pointing at the offending key or value.
 */
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { SPEC_TEXT_LIMITS } from './limits.ts';
import type { StudySpec } from './schema.ts';
import { StudySpecError, validateStudySpec, type SpecPath } from './validate.ts';

export interface ParseStudyOptions {
  /** Text format; default: 'json' when the source ends in .json or the text starts with '{', else 'yaml'. */
  format?: 'yaml' | 'json';
  /** File name for messages (e.g. "study.yaml"). */
  source?: string;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

/** Parse and validate a study file. Pure: no file system access. */
export function parseStudySpec(text: string, opts: ParseStudyOptions = {}): StudySpec {
  const source = opts.source;
  if (typeof text !== 'string') throw new StudySpecError([], 'must be the text of a study file', typeof text);
  if (text.length > SPEC_TEXT_LIMITS.bytes) {
    throw new StudySpecError([], `must be at most ${SPEC_TEXT_LIMITS.bytes / 2 ** 20} MiB of text`, `${(text.length / 2 ** 20).toFixed(1)} MiB`, 'long current or power profiles belong in a table of at most limits.tableLength entries').locate({ source, line: 1, column: 1 });
  }
  const format = opts.format ?? (source?.toLowerCase().endsWith('.json') || /^\s*\{/.test(text) ? 'json' : 'yaml');
  const deep = flowDepthBeyond(text, SPEC_TEXT_LIMITS.depth, format);
  if (deep !== undefined) {
    const { line, col } = lineCol(text, deep);
    throw new StudySpecError([], `must not nest lists or mappings more than ${SPEC_TEXT_LIMITS.depth} deep`, lineText(text, line).slice(0, 40)).locate({ source, line, column: col });
  }
  const lineCounter = new LineCounter();
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (e) {
      const msg = (e as Error).message;
      const m = /position (\d+)/.exec(msg);
      const offset = m ? Number(m[1]) : text.length;
      const { line, col } = lineCol(text, offset);
      const err = new StudySpecError([], `must be valid JSON (${firstLine(msg).replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '')})`, lineText(text, line));
      throw err.locate({ source, line, column: col });
    }
  }
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = lineCounter.linePos(e.pos[0]);
    const reason = firstLine(e.message).replace(/ at line \d+, column \d+:?$/, '');
    const err = new StudySpecError([], `must be valid ${format === 'json' ? 'JSON' : 'YAML'} (${reason})`, lineText(text, pos.line));
    throw err.locate({ source, line: pos.line, column: pos.col });
  }
  let obj: unknown;
  try {
    obj = doc.toJS({ maxAliasCount: SPEC_TEXT_LIMITS.aliases });
  } catch (e) {
    // yaml throws a ReferenceError for an alias bomb, and deep block nesting can exhaust the stack.
    const rule = e instanceof ReferenceError
      ? `must not expand YAML aliases (*name) more than ${SPEC_TEXT_LIMITS.aliases} times`
      : `must not nest lists or mappings more than ${SPEC_TEXT_LIMITS.depth} deep`;
    throw new StudySpecError([], rule, firstLine((e as Error).message)).locate({ source, line: 1, column: 1 });
  }
  const tooDeep = depthBeyond(obj, SPEC_TEXT_LIMITS.depth);
  if (tooDeep) throw new StudySpecError(tooDeep, `must not nest lists or mappings more than ${SPEC_TEXT_LIMITS.depth} deep`, '...').locate({ source, line: 1, column: 1 });
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new StudySpecError([], 'must be a mapping of sections (name, params, pack, variation, run, ...)', obj).locate({ source, line: 1, column: 1 });
  }
  try {
    return validateStudySpec(obj, source);
  } catch (e) {
    if (e instanceof StudySpecError) {
      const loc = locate(doc, e.path, e.atKey, lineCounter);
      if (loc) e.locate({ source, ...loc });
      else if (source) e.locate({ source, line: 1, column: 1 });
    }
    throw e;
  }
}

/**
 * Offset of the first '[' or '{' nested deeper than `max` (outside quotes and comments), or undefined. Checked on the
 * raw text, before the YAML parser, whose recursion a deeply nested flow collection would exhaust.
 */
function flowDepthBeyond(text: string, max: number, format: 'yaml' | 'json'): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (ch === "'" && format === 'yaml' && (i === 0 || /[\s[{,:]/.test(text[i - 1]))) {
      for (i++; i < text.length; i++) {
        if (text[i] === "'" && text[i + 1] === "'") i++;
        else if (text[i] === "'") break;
      }
    } else if (ch === '#' && format === 'yaml' && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '[' || ch === '{') {
      if (++depth > max) return i;
    } else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

/** Path to a value nested deeper than `max` in a parsed document (walked without recursion), or undefined. */
function depthBeyond(value: unknown, max: number): SpecPath | undefined {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (path.length > max) return path;
    for (const [k, child] of Object.entries(v)) stack.push({ v: child, path: [...path, Array.isArray(v) ? Number(k) : k] });
  }
  return undefined;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, col: offset - last };
}

function lineText(text: string, line: number): string {
  return (text.split(/\r?\n/)[line - 1] ?? '').trim();
}

/** Line and column of the node at `path` (its key when `atKey`), or of the deepest existing ancestor. */
function locate(doc: Document, path: SpecPath, atKey: boolean, lc: LineCounter): { line: number; column: number } | undefined {
  let node: unknown = doc.contents;
  let best: Node | undefined = isNode(node) ? node : undefined;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(key));
      if (!pair) break;
      if (last && atKey && isNode(pair.key)) {
        best = pair.key;
        break;
      }
      node = pair.value;
      if (isNode(node)) best = node;
      else if (isNode(pair.key)) best = pair.key;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (!isNode(node)) break;
      best = node;
    } else break;
  }
  const range = best?.range;
  if (!range) return undefined;
  const pos = lc.linePos(range[0]);
  return { line: pos.line, column: pos.col };
}
