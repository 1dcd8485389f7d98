/** The generic members of a continuous distribution, as scipy's rv_continuous fills them in. */
import { exp, log } from '../math/elementary.ts';
import type { ContinuousDistribution } from './types.ts';

/** What a family member must give; logsf and pdf default to ln sf(x) and exp logpdf(x). */
export type ContinuousCore = Omit<ContinuousDistribution, 'logsf' | 'pdf'> & Partial<Pick<ContinuousDistribution, 'logsf' | 'pdf'>>;

/** A family member from its core, with the generic members filled in. */
export function continuous(core: ContinuousCore): ContinuousDistribution {
  const { sf, logpdf } = core;
  return { logsf: (x) => log(sf(x)), pdf: (x) => exp(logpdf(x)), ...core };
}
