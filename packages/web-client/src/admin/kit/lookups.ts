import { type Page } from '@webstream/contracts';
import { useMemo } from 'react';
import { listPage } from '../api';
import { useLoad } from './hooks';
import { lookupSources, MAX_OPTIONS } from './lookup-sources';
import { type NameOf, type Option, type RefSource } from './resource-spec';

export interface Lookups {
  options: (source: RefSource) => Option[];
  nameOf: NameOf;
  loading: boolean;
  error: string | undefined;
  reload: () => void;
}

/** The records of the collections a page names or picks from (up to MAX_OPTIONS each). */
export function useLookups(sources: readonly RefSource[]): Lookups {
  const key = sources.join(',');
  const loaded = useLoad(async (signal) => {
    const entries = await Promise.all(
      sources.map(async (source) => {
        const spec = lookupSources[source];
        const page: Page<Record<string, unknown>> = await listPage<Record<string, unknown>>(
          spec.list,
          { pageSize: MAX_OPTIONS },
          signal,
        ).catch(() => ({ items: [], page: 1, pageSize: MAX_OPTIONS, total: 0 }));
        return [source, page.items.map((item) => spec.option(item))] as const;
      }),
    );
    return new Map<RefSource, Option[]>(entries);
  }, key);

  return useMemo(() => {
    const byId = new Map<string, string>();
    for (const [source, options] of loaded.data ?? []) {
      for (const option of options) byId.set(`${source}:${option.value}`, option.label);
    }
    return {
      options: (source) => loaded.data?.get(source) ?? [],
      nameOf: (source, id) => (id === null || id === undefined ? '' : (byId.get(`${source}:${id}`) ?? id)),
      loading: loaded.loading,
      error: loaded.error,
      reload: loaded.reload,
    };
  }, [loaded.data, loaded.loading, loaded.error, loaded.reload]);
}
