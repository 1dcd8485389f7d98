// cellspread for Node (the package's "import" entry): the whole API of src/core.ts, results folders on disk, and every
// backend (webgpu through the optional Dawn package, wasm on worker_threads, reference) registered to load on demand.
import './backends/all.ts';

export * from './core.ts';
export { readResultsFolder, writeReport } from './report/folder.ts';
