// cellspread public API. Each area has its own barrel; this file only re-exports them.
export * from './errors.ts';
export * from './random/rng.ts';
export * from './tail/index.ts';
export * from './sensitivity/index.ts';
