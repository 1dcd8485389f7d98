// cellspread WebAssembly worker: one instance of build/cellspread.wasm per worker, packs independent of each other.
// Plain JavaScript on purpose (no TypeScript loader needed inside worker_threads / web workers); the host side is
// src/backends/wasm/index.ts. Runs in Node worker_threads and, unchanged, as a browser module worker.
import { runWasmJob } from './kernel.mjs';

let instance = null;

async function handle(msg, reply) {
  try {
    if (msg.type === 'init') {
      instance = await WebAssembly.instantiate(msg.module, { env: { abort: wasmAbort } });
      reply({ type: 'ready' });
      return;
    }
    if (msg.type === 'run') {
      const { outputs, cellSteps, cellEvaluations, cellCorrections, states } = runWasmJob(instance.exports, msg.job);
      // The job's big inputs go back with the reply: a worker's own garbage collector runs too rarely to free them.
      const spent = [msg.job.kernelParameters.buffer, msg.job.interconnectResistance.buffer];
      if (msg.job.states) spent.push(msg.job.states.buffer);
      const transfer = [outputs.buffer, ...spent];
      if (states) transfer.push(states.buffer);
      reply({ type: 'done', id: msg.id, outputs, cellSteps, cellEvaluations, cellCorrections, spent, states }, transfer);
    }
  } catch (err) {
    reply({ type: 'error', id: msg.id, message: String(err && err.stack ? err.stack : err) });
  }
}

function wasmAbort() {
  throw new Error('cellspread.wasm aborted');
}

if (typeof process !== 'undefined' && process.versions && process.versions.node) {
  const { parentPort } = await import('node:worker_threads');
  parentPort.on('message', (msg) => handle(msg, (m, t) => parentPort.postMessage(m, t)));
} else {
  self.onmessage = (e) => handle(e.data, (m, t) => self.postMessage(m, t));
}
