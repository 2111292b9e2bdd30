import type { ReactNode } from 'react';
import type { Resource } from '../hooks/useApi.js';
import { Empty, ErrorBox, Loading } from './ui.js';

/**
 * The three states every list on a page goes through before it shows anything: the API's
 * error with a retry, loading, and empty (with what to do about it).
 */
export function Async<T>({
  resource,
  what,
  empty,
  isEmpty = (data) => Array.isArray(data) && data.length === 0,
  children,
}: {
  resource: Resource<T>;
  what: string;
  empty?: { title: string; hint?: ReactNode };
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (resource.error && resource.data === undefined) return <ErrorBox error={resource.error} retry={resource.reload} />;
  if (resource.data === undefined) return <Loading what={what} />;
  if (empty && isEmpty(resource.data)) return <Empty title={empty.title}>{empty.hint}</Empty>;
  return <>{children(resource.data)}</>;
}
