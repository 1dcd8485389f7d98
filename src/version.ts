/** cellspread's version, as in package.json (test/package/version.test.ts fails when the two differ). */
export const VERSION = '0.1.0';
