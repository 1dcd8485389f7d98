// The "require" condition of cellspread's exports: the package is ES modules only, so say so instead of failing later.
throw new Error(
  "cellspread is an ES module package (ESM only) and cannot be loaded with require(). Use `import { runStudy } from 'cellspread'` " +
    "in an ES module (a .mjs file, or \"type\": \"module\" in package.json), or `const cellspread = await import('cellspread')` from CommonJS.",
);
