// Node: installs the Node platform (files, worker_threads, Dawn) for the backends the registry ships. The CLI, the
// Node package entry and the tests import this; the browser entry installs src/platform/browser.ts instead.
import { installPlatform } from '../platform/index.ts';
import { nodePlatform } from '../platform/node.ts';

installPlatform(nodePlatform);

export * from './registry.ts';
