/** HTML helpers for the report: escaping, number formatting, the page shell (inline CSS, no scripts, no network). */
import { sha256 } from '../spec/sha256.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Compact number: 4 significant digits, exponent form for very large or small magnitudes, '–' when missing. */
export function fmt(x: unknown, digits = 4): string {
  if (typeof x !== 'number' || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return x.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(digits)));
}

/** "[lo, hi]"; a missing lower end is unbounded below ('–'), a missing upper end unbounded above ('∞'). */
export function fmtInterval(lower: unknown, upper: unknown, f: (x: unknown) => string = fmt): string {
  const lo = typeof lower === 'number' ? f(lower) : '–';
  const hi = typeof upper === 'number' ? f(upper) : '∞';
  return `[${lo}, ${hi}]`;
}

export function fmtSeconds(s: unknown): string {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '–';
  if (s < 1) return `${(s * 1000).toPrecision(3)} ms`;
  if (s < 120) return `${s.toPrecision(3)} s`;
  if (s < 7200) return `${(s / 60).toPrecision(3)} min`;
  return `${(s / 3600).toPrecision(3)} h`;
}

export function fmtInt(n: unknown): string {
  return typeof n === 'number' && Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

/** Key/value table; keys and values are escaped here unless the value is marked as HTML. */
export function kvTable(rows: [string, string | { html: string }][]): string {
  const body = rows
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${typeof v === 'string' ? escapeHtml(v) : v.html}</td></tr>`)
    .join('');
  return `<table class="kv">${body}</table>`;
}

export function note(text: string): string {
  return `<p class="note">${escapeHtml(text)}</p>`;
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; background: #f5f6f8; }
header { background: #1d2b45; color: #fff; padding: 14px 24px 10px; }
header h1 { margin: 0 0 2px; font-size: 21px; font-weight: 600; overflow-wrap: anywhere; }
header .sub { opacity: 0.85; font-size: 13px; overflow-wrap: anywhere; }
header .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; margin-left: 8px; vertical-align: middle; }
.badge.ok { background: #2e7d32; } .badge.partial { background: #b26a00; }
nav { padding: 6px 24px; background: #e8ebf1; font-size: 13px; display: flex; flex-wrap: wrap; gap: 2px 16px; }
nav a { color: #1d4f91; text-decoration: none; }
main { padding: 2px 24px 40px; max-width: 1440px; margin: 0 auto; }
section { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 12px 18px 16px; margin: 14px 0; min-width: 0; }
h2 { font-size: 18px; margin: 2px 0 10px; }
h3 { font-size: 15px; margin: 14px 0 6px; overflow-wrap: anywhere; }
h3 small { font-weight: normal; color: #555; }
p { margin: 6px 0; }
.lede { margin: 0 0 10px; color: #333; }
.fine { font-size: 12.5px; color: #555; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 360px), 1fr)); gap: 14px; margin: 8px 0; }
.limit { border: 1px solid #dde1e8; border-left: 6px solid #8a93a3; border-radius: 6px; padding: 10px 14px 12px; min-width: 0; }
.limit.misses { border-left-color: #c62828; } .limit.meets { border-left-color: #2e7d32; } .limit.undecided { border-left-color: #d89a00; }
.limit h3 { margin: 0 0 4px; font-size: 16px; }
.limit .verdict { display: inline-block; font-size: 12px; font-weight: 600; padding: 0 8px; border-radius: 10px; background: #eceef2; color: #333; vertical-align: 1px; white-space: nowrap; }
.misses .verdict { background: #fde2e2; color: #8e1b1b; } .meets .verdict { background: #dff3e1; color: #1b5e20; } .undecided .verdict { background: #fff1c7; color: #6b4e00; }
.statement { font-size: 22px; font-weight: 650; line-height: 1.3; margin: 4px 0 8px; }
.statement .iv { display: block; font-size: 16px; font-weight: 600; color: #333; }
.verdict-text { font-weight: 600; }
.how, .band { font-size: 13px; color: #444; }
.driverbox .label { font-weight: 600; font-size: 13px; margin: 10px 0 2px; }
ol.drivers { margin: 0; padding-left: 22px; font-size: 14px; }
ol.drivers .factor, td.factor { overflow-wrap: break-word; }
.num { font-weight: 600; } .ci { color: #555; white-space: nowrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 340px), 1fr)); gap: 16px 20px; align-items: start; }
figure { margin: 0; min-width: 0; }
figure .plot { overflow-x: auto; }
figure.chart svg { display: block; width: 100%; min-width: 300px; max-width: 440px; height: auto; }
figure.map svg { display: block; max-width: none; }
figcaption { font-size: 12.5px; color: #555; margin-top: 2px; }
figure .title { font-weight: 600; font-size: 14px; margin: 0 0 2px; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 13px; }
table.kv th { text-align: left; font-weight: 600; padding: 2px 14px 2px 0; vertical-align: top; white-space: nowrap; }
table.kv td { padding: 2px 0; min-width: 12em; overflow-wrap: anywhere; }
table.grid th, table.grid td { border-bottom: 1px solid #e3e6ec; padding: 3px 10px; text-align: right; white-space: nowrap; }
table.grid th:first-child, table.grid td:first-child { text-align: left; }
table.grid thead th, table.forest thead th { background: #f0f2f6; }
table.forest { width: 100%; }
table.forest th, table.forest td { border-bottom: 1px solid #e3e6ec; padding: 4px 8px; text-align: left; vertical-align: top; }
table.forest th small { font-weight: normal; color: #555; }
table.forest td.rank { color: #777; width: 1.5em; }
table.forest td.factor { min-width: 8em; }
table.forest td.share { min-width: 120px; width: 32%; }
.nd { display: block; font-size: 11.5px; color: #777; }
.lbl { display: none; }
svg.bar { display: block; width: 100%; height: 12px; margin-top: 2px; }
.bar .track { fill: #f1f3f6; } .bar .grid { stroke: #d5d9e0; stroke-width: 1; vector-effect: non-scaling-stroke; }
.bar .value { fill: #4c78a8; } .bar.faint .value { fill: #b4c3d8; }
.bar .ci { stroke: #111; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.cols { display: flex; flex-wrap: wrap; gap: 8px 32px; }
.cols > div { flex: 1 1 340px; min-width: 0; }
.note { color: #6b5200; background: #fff8e1; border-left: 3px solid #f0b400; padding: 5px 10px; margin: 6px 0; font-size: 13px; overflow-wrap: anywhere; }
ul.statements, ul.constants { margin: 4px 0 8px 18px; padding: 0; font-size: 13.5px; }
ul.statements li, ul.constants li { margin: 2px 0; overflow-wrap: anywhere; }
details { margin-top: 10px; }
summary { cursor: pointer; font-weight: 600; }
pre { background: #f4f5f7; border: 1px solid #e0e3e8; padding: 10px; overflow: auto; font-size: 12px; max-height: 520px; }
code { font-size: 12px; }
.tailblock { border-top: 1px solid #eceff3; padding-top: 6px; margin-top: 10px; }
.tailblock:first-of-type { border-top: none; }
@media (max-width: 600px) {
  header, nav { padding-left: 12px; padding-right: 12px; }
  main { padding: 0 8px 24px; }
  section { padding: 10px 10px 12px; margin: 10px 0; }
  .limit { padding: 8px 10px 10px; }
  .statement { font-size: 19px; }
  table.kv th, table.kv td { display: block; white-space: normal; min-width: 0; padding: 0; }
  table.kv th { padding-top: 6px; }
  table.forest, table.forest tbody { display: block; }
  table.forest thead { display: none; }
  table.forest tr { display: grid; grid-template-columns: 1.6em 1fr 1fr; gap: 0 10px; border-bottom: 1px solid #e3e6ec; padding: 5px 0; }
  table.forest td { border: none; padding: 0; width: auto; min-width: 0; }
  table.forest td.factor { grid-column: 2 / 4; font-weight: 600; }
  table.forest td.share:nth-child(3) { grid-column: 2; }
  table.forest td.share:nth-child(4) { grid-column: 3; }
  table.forest td.share:only-of-type, table.forest td.share:nth-child(3):last-child { grid-column: 2 / 4; }
  .lbl { display: block; font-size: 11.5px; color: #555; }
}
`;

/** The Content-Security-Policy of a report whose only style sheet is `css`: nothing may load or run but that sheet. */
export async function contentSecurityPolicy(css: string): Promise<string> {
  // The pure SHA-256: crypto.subtle is missing in pages served over plain HTTP from another machine.
  let binary = '';
  for (const b of sha256(css)) binary += String.fromCharCode(b);
  return `default-src 'none'; style-src 'sha256-${btoa(binary)}'; base-uri 'none'; form-action 'none'`;
}

/**
 * The page shell: inline CSS pinned by its hash in a strict Content-Security-Policy (no scripts, no network, no other
 * styles, no inline style attributes), so a report edited by hand cannot load or run anything either.
 */
export async function page(title: string, headerHtml: string, navHtml: string, bodyHtml: string): Promise<string> {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${await contentSecurityPolicy(CSS)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cellspread report">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>${headerHtml}</header>
<nav>${navHtml}</nav>
<main>
${bodyHtml}
</main>
</body>
</html>
`;
}
