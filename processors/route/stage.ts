import { eventCatalog, type ResponseDrafted, type RoutingDecided } from '../../schemas/index.js';
import type { Stage } from '../runtime/stage.js';
import { decideRouting, DEFAULT_ROUTE_SETTINGS, type RouteSettings } from './policy.js';

/** An org's routing settings; may read a store, so it may be asynchronous. Partial settings keep the defaults. */
export type RouteSettingsLookup = (orgId: string) => Promise<Partial<RouteSettings>> | Partial<RouteSettings>;

export interface RouteOptions {
  settings?: RouteSettingsLookup;
}

/** Decides, for each drafted reply, whether it is sent automatically or handed to a person, where and by when. */
export function routeStage(options: RouteOptions = {}): Stage<ResponseDrafted, RoutingDecided> {
  const lookup = options.settings ?? (() => ({}));
  return {
    name: 'route',
    version: '0.1.0',
    inputSchema: eventCatalog().get('ResponseDrafted').schema,
    async handle(event, context) {
      const own = Object.entries(await lookup(event.meta.orgId)).filter(([, value]) => value !== undefined);
      // A setting given as undefined means "not set" and keeps the default, rather than erasing it.
      const settings: RouteSettings = { ...DEFAULT_ROUTE_SETTINGS, ...Object.fromEntries(own) };
      const routing = decideRouting(event, settings);
      context.logger.debug({ decision: routing.decision, queue: routing.queue, reasons: routing.reasons }, 'routed');
      const { interaction, enrichment, classification, draft } = event;
      return [{ meta: context.derive(), interaction, enrichment, classification, draft, routing }];
    },
  };
}
