import { CellspreadInputError } from '../errors.ts';

/**
 * Ns series groups of Np cells in parallel, grouped into modules of consecutive series groups.
 * Cell index convention (shared by every backend and the sampler): cell = group * parallel + j.
 * Within a module the cells form a chain in index order; conduction couples chain neighbours.
 */
export interface PackLayout {
  series: number;
  parallel: number;
  modules: number;
}

export function validateLayout(layout: PackLayout, field = 'pack'): PackLayout {
  const check = (name: keyof PackLayout) => {
    const v = layout[name];
    if (!Number.isInteger(v) || v < 1) throw new CellspreadInputError(`${field}.${name}`, 'must be an integer >= 1', v);
  };
  check('series');
  check('parallel');
  check('modules');
  if (layout.series % layout.modules !== 0) {
    throw new CellspreadInputError(`${field}.modules`, `must divide the series count ${layout.series}`, layout.modules);
  }
  return layout;
}

export function cellCount(layout: PackLayout): number {
  return layout.series * layout.parallel;
}

export function groupsPerModule(layout: PackLayout): number {
  return layout.series / layout.modules;
}

export function moduleOfGroup(layout: PackLayout, group: number): number {
  return Math.floor(group / groupsPerModule(layout));
}

/** Whether cells c and c + 1 are neighbours (same module). */
export function chainedToNext(layout: PackLayout, cell: number): boolean {
  const cellsPerModule = groupsPerModule(layout) * layout.parallel;
  return cell + 1 < cellCount(layout) && Math.floor(cell / cellsPerModule) === Math.floor((cell + 1) / cellsPerModule);
}
