import type { ResponseDrafted, RoutingDecided } from '../../schemas/index.js';
import { failed, type BatchStage, type ItemResult } from '../runtime/stage.js';
import { decideRouting, DEFAULT_ROUTE_SETTINGS, type RouteSettings } from './policy.js';

export const ROUTE_STAGE = 'route';

/** An org's routing settings; may read a store, so it may be asynchronous. Partial settings keep the defaults. */
export type RouteSettingsLookup = (orgId: string) => Promise<Partial<RouteSettings>> | Partial<RouteSettings>;

export interface RouteOptions {
  settings?: RouteSettingsLookup;
}

/**
 * Decides, for each drafted reply, whether it is sent automatically or handed to a person, where and by when. A
 * batch looks up each of its orgs' settings once.
 */
export function routeStage(options: RouteOptions = {}): BatchStage<ResponseDrafted, RoutingDecided> {
  const lookup = options.settings ?? (() => ({}));
  return {
    name: ROUTE_STAGE,
    version: '0.2.0',
    consumes: ['ResponseDrafted'],
    emits: 'RoutingDecided',
    async handleBatch(items) {
      const orgs = [...new Set(items.map(({ event }) => event.meta.orgId))];
      const settled = await Promise.allSettled(orgs.map(async (orgId) => [orgId, await lookup(orgId)] as const));
      const byOrg = new Map<string, RouteSettings | { error: unknown }>();
      settled.forEach((result, i) => {
        if (result.status === 'rejected') byOrg.set(orgs[i]!, { error: result.reason });
        else byOrg.set(orgs[i]!, withDefaults(result.value[1]));
      });
      return items.map(({ event, context }): ItemResult<RoutingDecided> => {
        const settings = byOrg.get(event.meta.orgId)!;
        if ('error' in settings) return failed(settings.error);
        const routing = decideRouting(event, settings);
        context.debug({ decision: routing.decision, queue: routing.queue, reasons: routing.reasons }, 'routed');
        const { interaction, enrichment, classification, draft } = event;
        return [{ meta: context.derive(), interaction, enrichment, classification, draft, routing }];
      });
    },
  };
}

/** A setting given as undefined means "not set" and keeps the default, rather than erasing it. */
function withDefaults(own: Partial<RouteSettings>): RouteSettings {
  const set = Object.entries(own).filter(([, value]) => value !== undefined);
  return { ...DEFAULT_ROUTE_SETTINGS, ...Object.fromEntries(set) };
}
