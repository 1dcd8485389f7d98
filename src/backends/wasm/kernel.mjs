// Host glue shared by the workers and the in-thread path: copies one job into WebAssembly memory and runs it.
// A job (see flattenJob in index.ts) is plain numbers, booleans and Float64Arrays, so it can be posted to any worker.

/** Allocate `array` in wasm memory; returns its byte address. */
function place(exports, array, pending) {
  const ptr = exports.alloc(Math.max(8, array.length * 8));
  pending.push([ptr, array]);
  return ptr;
}

/**
 * Run packs [0, job.count) of a flattened job on one instance (from job.states when given; then the end states return).
 * @returns {{ outputs: Float64Array, cellSteps: number, cellEvaluations: number, cellCorrections: number, states?: Float64Array }}
 */
export function runWasmJob(exports, job) {
  const outCount = exports.PACK_OUTPUT_COUNT.value;
  exports.resetHeap();
  const pending = [];
  // The generated configure's arguments in order (src/kernels/configure.ts): arrays go to memory, booleans to 0/1.
  const args = job.configure.map((a) => (a instanceof Float64Array ? place(exports, a, pending) : typeof a === 'boolean' ? (a ? 1 : 0) : a));
  const params = place(exports, job.kernelParameters, pending);
  const inter = place(exports, job.interconnectResistance, pending);
  // End states are asked for by a states array (or its length alone: start from the initial states).
  const states = job.states ? place(exports, job.states, pending) : job.stateLength ? exports.alloc(job.stateLength * 8) : 0;
  const out = exports.alloc(Math.max(8, job.count * outCount * 8));
  // Views only after the allocations: growing memory detaches earlier views.
  const buffer = exports.memory.buffer;
  for (const [ptr, array] of pending) new Float64Array(buffer, ptr, array.length).set(array);
  exports.configure(...args);
  const cellSteps = exports.runPacks(params, inter, job.count, 0, job.count, out, states, job.states ? 1 : 0);
  const outputs = new Float64Array(job.count * outCount);
  outputs.set(new Float64Array(exports.memory.buffer, out, job.count * outCount));
  const endStates = states ? new Float64Array(exports.memory.buffer, states, job.states ? job.states.length : job.stateLength).slice() : undefined;
  return { outputs, cellSteps, cellEvaluations: exports.lastCellEvaluations.value, cellCorrections: exports.lastCellCorrections.value, states: endStates };
}
