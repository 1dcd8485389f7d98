// Statistics: one distribution family shaped like scipy.stats (ppf, cdf, sf, logsf, pdf, logpdf, support, mean,
// variance), the special functions it is built on (src/math/special.ts, like scipy.special) and the one sample
// quantile (src/math/quantile.ts). See docs/statistics.md.
export type { ContinuousDistribution, DiscreteDistribution } from './types.ts';
export { normal, normalCritical } from './normal.ts';
export { truncatedNormal } from './truncated-normal.ts';
export { lognormal } from './lognormal.ts';
export { uniform } from './uniform.ts';
export { studentT } from './student-t.ts';
export { weibull } from './weibull.ts';
export { pareto } from './pareto.ts';
export { generalizedPareto } from './generalized-pareto.ts';
export { beta } from './beta.ts';
export { chiSquare } from './chi-square.ts';
export { fixed } from './fixed.ts';
export { binomial } from './binomial.ts';
export { mixture } from './mixture.ts';
export { transformed } from './transformed.ts';
export {
  logGamma,
  regularizedBeta,
  inverseRegularizedBeta,
  regularizedGamma,
  regularizedGammaComplement,
  erfc,
  normalCdf,
  logNormalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
} from '../math/special.ts';
export { sortedQuantile } from '../math/quantile.ts';
