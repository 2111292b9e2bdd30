import type { HeaderLookup, ProviderAdapter } from '../types.js';
import { bitbucket } from './bitbucket.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';

export const ADAPTERS: readonly ProviderAdapter[] = [github, gitlab, bitbucket];

/** The provider whose event header the request carries; null for anything else. */
export const detectProvider = (headers: HeaderLookup): ProviderAdapter | null => ADAPTERS.find((a) => headers(a.eventHeader) !== undefined) ?? null;
