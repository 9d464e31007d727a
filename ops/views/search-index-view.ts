/**
 * The search index as a versioned view: version n is the index `<alias>-v<n>`, readers and the live sink use
 * the alias, and a switch moves the alias in one `_aliases` request, which Elasticsearch applies atomically.
 * An index created before views had versions carries the alias's own name (version 0); it cannot coexist with
 * an alias of that name, so the switch that replaces it deletes it in the same request.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { Dependency } from '../../processors/runtime/dependency.js';
import { createTicketIndex, ticketIndexVersion } from '../../processors/sinks/search-index.js';
import { searchIndexSink } from '../../processors/sinks/stages.js';
import type { OrgSum, VersionedView, ViewChecksum } from './view.js';

const LEGACY = 0;

export function searchIndexView(es: Client, elasticsearch: Dependency, alias: string): VersionedView {
  const indexOf = (version: number) => (version === LEGACY ? alias : ticketIndexVersion(alias, version));
  const versionPattern = new RegExp(`^${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-v(\\d+)$`);

  async function current(): Promise<number> {
    if (await es.indices.existsAlias({ name: alias })) {
      const [index] = Object.keys(await es.indices.getAlias({ name: alias }));
      return Number(versionPattern.exec(index ?? '')?.[1] ?? LEGACY);
    }
    return (await es.indices.exists({ index: alias })) ? LEGACY : 1;
  }

  return {
    name: 'search-index',
    pointer: `the alias ${alias}`,
    followWithinMs: 0,
    current,
    async versions() {
      const found = await es.indices.get({ index: `${alias}*`, expand_wildcards: 'open' }, { ignore: [404] });
      return Object.keys(found)
        .flatMap((name) =>
          name === alias ? [LEGACY] : versionPattern.test(name) ? [Number(versionPattern.exec(name)![1])] : [],
        )
        .sort((a, b) => a - b);
    },
    location: indexOf,
    create: (version) => createTicketIndex(es, indexOf(version)),
    sink: (version) => searchIndexSink(es, elasticsearch, { index: indexOf(version) }),
    async checksum(version) {
      const index = indexOf(version);
      await es.indices.refresh({ index });
      const sums = new Map<string, OrgSum>();
      let after: Record<string, string | number> | undefined;
      do {
        const response = await es.search({
          index,
          size: 0,
          aggs: {
            orgs: {
              composite: {
                size: 1000,
                sources: [{ org: { terms: { field: 'org_id' } } }],
                ...(after ? { after } : {}),
              },
              aggs: { revisions: { sum: { field: 'revision' } } },
            },
          },
        });
        const orgs = response.aggregations?.orgs as estypes.AggregationsCompositeAggregate | undefined;
        const buckets = (orgs?.buckets ?? []) as Array<{
          key: { org: string };
          doc_count: number;
          revisions: { value: number };
        }>;
        // The sum of revisions moves whenever a ticket is missing or behind: enough to tell two versions apart.
        for (const b of buckets) sums.set(b.key.org, { count: b.doc_count, digest: String(b.revisions.value) });
        after = buckets.length > 0 ? (orgs?.after_key as Record<string, string> | undefined) : undefined;
      } while (after);
      return sums satisfies ViewChecksum;
    },
    async switchTo(version) {
      const from = await current();
      const actions: estypes.IndicesUpdateAliasesAction[] = [{ add: { index: indexOf(version), alias } }];
      if (from === LEGACY) actions.push({ remove_index: { index: alias } });
      else if (from !== version) actions.push({ remove: { index: indexOf(from), alias } });
      await es.indices.updateAliases({ actions });
    },
    async drop(version) {
      await es.indices.delete({ index: indexOf(version), ignore_unavailable: true });
    },
  };
}
