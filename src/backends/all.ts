// Importing this module registers every backend cellspread ships. Each backend registers itself in its own module.
export * from './registry.ts';
import './wasm/index.ts';
import './webgpu/index.ts';
