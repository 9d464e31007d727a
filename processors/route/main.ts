/**
 * `tsx processors/route/main.ts`: the route stage process, wired from the topology (topics/topology.ts).
 */
import { runStageProcess } from '../runtime/main.js';
import type { RouteSettings } from './policy.js';
import { routeStage, type RouteSettingsLookup } from './stage.js';
import { routeWiring } from './wiring.js';

/**
 * Every org's routing settings, for now: there is no settings store yet, so each org gets the defaults
 * (DEFAULT_ROUTE_SETTINGS in policy.ts: nothing is sent without review, English queues). An empty partial
 * keeps every default. Replace with a lookup that reads the org's stored settings once there are some.
 */
const defaultRouteSettings: RouteSettingsLookup = (): Partial<RouteSettings> => ({});

await runStageProcess(routeStage({ settings: defaultRouteSettings }), routeWiring());
