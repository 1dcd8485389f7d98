/**
 * The static cellspread page: edit a study, run it in the page (wasm on Web Workers, webgpu on navigator.gpu, or the
 * reference), see the report, download the results. Built by scripts/build.mjs into dist/web/; the package's files
 * (the WASM module, the shaders, the worker script) are served next to it under cellspread/.
 */
import {
  createBackend,
  cycleTableCsv,
  DEFAULT_STUDY_YAML,
  describeCost,
  endOfLifeLine,
  monteCarloResult,
  parseStudySpec,
  renderReport,
  runStudy,
  sampleTableArrow,
  sampleTableCsv,
  studyLayout,
  studyModel,
  studyResultTable,
  summarizeStudy,
  useAssetBase,
  VERSION,
  type RunSummary,
  type StudyResult,
} from '../src/browser.ts';

useAssetBase(new URL('./cellspread/', document.baseURI));

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const specInput = $<HTMLTextAreaElement>('spec');
const backendSelect = $<HTMLSelectElement>('backend');
const workersInput = $<HTMLInputElement>('workers');
const runButton = $<HTMLButtonElement>('run');
const stopButton = $<HTMLButtonElement>('stop');
const progress = $<HTMLProgressElement>('progress');
const status = $('status');
const backendLine = $('backend-line');
const errorBox = $('error');
const downloads = $('downloads');
const cyclesLink = $<HTMLAnchorElement>('download-cycles');
const report = $<HTMLIFrameElement>('report');

/** The last completed run, for scripts driving the page (and the browser test). */
interface LastRun {
  backend: StudyResult['backend'];
  /** Every sample's outputs, row-major: the Monte Carlo samples, then the sensitivity design's rows. */
  outputs: Float64Array;
  summary: RunSummary;
}
const page = { state: 'idle' as 'idle' | 'running' | 'done' | 'stopped' | 'error', last: undefined as LastRun | undefined };
(window as unknown as { cellspreadPage: typeof page }).cellspreadPage = page;

function setState(state: typeof page.state, text: string): void {
  page.state = state;
  document.body.dataset.state = state;
  status.textContent = text;
  runButton.disabled = state === 'running';
  stopButton.disabled = state !== 'running';
}

const objectUrls: string[] = [];
function offer(id: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  objectUrls.push(url);
  $<HTMLAnchorElement>(id).href = url;
}

let controller: AbortController | undefined;

async function run(): Promise<void> {
  errorBox.hidden = true;
  downloads.hidden = true;
  for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
  progress.value = 0;
  setState('running', 'starting…');
  controller = new AbortController();
  const signal = controller.signal;
  const t0 = performance.now();
  let dispose: (() => unknown) | undefined;
  try {
    const spec = parseStudySpec(specInput.value, { source: 'study' });
    const model = studyModel(spec);
    const workers = workersInput.value.trim() === '' ? undefined : Number(workersInput.value);
    const { backend, fallbacks } = await createBackend(backendSelect.value, { workers }, 'backend');
    dispose = () => backend.dispose();
    const skipped = fallbacks.map((f) => `${f.name} skipped: ${f.reason}`).join('; ');
    backendLine.textContent = `Backend: ${backend.name} (${backend.device})${skipped ? `. ${skipped}` : ''}`;
    const total = studyLayout(spec).total; // Monte Carlo samples, then the sensitivity design's rows
    setState('running', `${describeCost(spec)}: starting`);
    const result = await runStudy(spec, {
      backendInstance: backend,
      signal,
      onProgress: (p) => {
        progress.value = p.samplesDone / p.samplesTotal;
        status.textContent = `${p.samplesDone} / ${p.samplesTotal} samples, ${p.samplesPerSecond.toPrecision(3)} /s`;
      },
    });
    result.backend.fallbacks = fallbacks;
    if (result.cancelled) {
      setState('stopped', `stopped after ${result.counts.samples} of ${total} samples`);
      return;
    }
    setState('running', 'analysing…');
    // What `cellspread run` writes for the same study and seed (src/study/finish.ts): statistics, tails, a lifetime
    // study's fan charts and end of life over the Monte Carlo samples, sensitivity indices from the design rows.
    const mc = monteCarloResult(result);
    const summary = summarizeStudy(result, { model, t0 });
    summary.files = {
      summary: 'summary.json',
      samplesCsv: 'samples.csv',
      samplesArrow: 'samples.arrow',
      ...(mc.lifetime ? { cycles: 'cycles.csv' } : {}),
      report: 'report.html',
    };
    // The report is drawn from the summary.json offered below, as `cellspread run` draws it from the file it wrote.
    const summaryJson = `${JSON.stringify(summary, null, 2)}\n`;
    const table = studyResultTable(mc);
    setState('running', 'drawing the report…');
    const html = await renderReport(JSON.parse(summaryJson) as RunSummary, table);
    await new Promise<void>((loaded) => {
      report.addEventListener('load', () => loaded(), { once: true });
      report.srcdoc = html;
    });
    offer('download-summary', summaryJson, 'application/json');
    offer('download-csv', sampleTableCsv(table), 'text/csv');
    offer('download-arrow', sampleTableArrow(table) as Uint8Array<ArrayBuffer>, 'application/vnd.apache.arrow.file');
    offer('download-report', html, 'text/html');
    cyclesLink.hidden = !mc.lifetime;
    if (mc.lifetime) offer('download-cycles', cycleTableCsv(mc), 'text/csv');
    downloads.hidden = false;
    progress.value = 1;
    page.last = { backend: result.backend, outputs: result.outputs, summary };
    const life = summary.lifetime ? `; ${endOfLifeLine(summary.lifetime)}` : '';
    setState('done', `done: ${result.counts.samples} samples in ${summary.timings.totalSeconds.toFixed(1)} s${life}`);
  } catch (err) {
    if (signal.aborted) {
      setState('stopped', 'stopped');
      return;
    }
    errorBox.textContent = err instanceof Error ? err.message : String(err);
    errorBox.hidden = false;
    setState('error', 'failed');
  } finally {
    controller = undefined;
    await dispose?.();
  }
}

$('version').textContent = `v${VERSION}`;
specInput.value = DEFAULT_STUDY_YAML;
runButton.addEventListener('click', () => void run());
stopButton.addEventListener('click', () => controller?.abort());
$('reset').addEventListener('click', () => (specInput.value = DEFAULT_STUDY_YAML));
setState('idle', 'ready');
