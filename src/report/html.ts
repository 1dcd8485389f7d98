/** HTML helpers for the report: escaping, number formatting, the page shell (inline CSS, no scripts, no network). */

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

/** Probability: exponent form below 0.001. */
export function fmtProb(p: unknown): string {
  if (typeof p !== 'number' || Number.isNaN(p)) return '–';
  if (p === 0) return '0';
  if (p < 1e-3) return p.toExponential(2);
  return String(Number(p.toPrecision(3)));
}

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
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; background: #f5f6f8; }
header { background: #1d2b45; color: #fff; padding: 18px 28px 14px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; word-break: break-word; }
header .sub { opacity: 0.85; font-size: 13px; }
header .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; margin-left: 8px; vertical-align: middle; }
.badge.ok { background: #2e7d32; } .badge.partial { background: #b26a00; }
nav { padding: 8px 28px; background: #e8ebf1; font-size: 13px; }
nav a { margin-right: 14px; color: #1d4f91; text-decoration: none; }
main { padding: 6px 28px 40px; max-width: 1500px; }
section { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 12px 18px 16px; margin: 16px 0; }
h2 { font-size: 18px; margin: 4px 0 10px; }
h3 { font-size: 15px; margin: 14px 0 6px; word-break: break-word; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 18px; align-items: flex-start; }
figure { margin: 0; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 12px; color: #555; max-width: 440px; }
table { border-collapse: collapse; font-size: 13px; }
table.kv th { text-align: left; font-weight: 600; padding: 2px 14px 2px 0; vertical-align: top; white-space: nowrap; }
table.kv td { padding: 2px 0; word-break: break-word; }
table.grid th, table.grid td { border-bottom: 1px solid #e3e6ec; padding: 3px 10px; text-align: right; }
table.grid th:first-child, table.grid td:first-child { text-align: left; }
table.grid thead th { background: #f0f2f6; }
.cols { display: flex; flex-wrap: wrap; gap: 8px 40px; }
.note { color: #6b5200; background: #fff8e1; border-left: 3px solid #f0b400; padding: 5px 10px; margin: 6px 0; font-size: 13px; }
ul.statements { margin: 4px 0 8px 18px; padding: 0; }
details { margin-top: 10px; }
summary { cursor: pointer; font-weight: 600; }
pre { background: #f4f5f7; border: 1px solid #e0e3e8; padding: 10px; overflow: auto; font-size: 12px; max-height: 520px; }
code { font-size: 12px; }
.tailblock { border-top: 1px solid #eceff3; padding-top: 6px; margin-top: 10px; }
.tailblock:first-of-type { border-top: none; }
`;

/** The page shell: a strict Content-Security-Policy (no scripts, no network), inline CSS. */
export function page(title: string, headerHtml: string, navHtml: string, bodyHtml: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
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
