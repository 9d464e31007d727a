/**
 * Each org's active intent model, as the classify stage sees it: a map in process memory, refreshed from the
 * registry (registry.ts) every few seconds, so a promotion reaches every running instance within one poll and
 * without a restart, while classifying an event costs a map lookup and no database call.
 *
 * A poll reads only the active versions (a few short rows); the artefact bytes are read when a version changes.
 * A version that fails to load (checksum, corrupt bytes) is logged once and the org keeps the model it had; an
 * org without an active version (never promoted, or retired) gets the shipped default. Until the first poll has
 * answered, classifying waits for it, so an org with a model of its own is never classified by the default
 * merely because the process has just started.
 */
import type { Logger } from 'pino';
import type { Queryable } from '../../ops/db/queryable.js';
import type { Dependency } from '../runtime/dependency.js';
import { IntentModel } from './model.js';
import { liveVersions, loadArtefactBytes, type LiveVersion } from './registry.js';

export const DEFAULT_MODEL_POLL_MS = 2000;

export interface OrgModelsOptions {
  readonly db: Queryable;
  /** Polls go through it, so an outage trips its breaker instead of failing each event on its own. */
  readonly postgres?: Dependency;
  /** For orgs without an active version. */
  readonly fallback: IntentModel;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly pollMs?: number;
}

export class OrgModels {
  private models = new Map<string, IntentModel>();
  /** Each org's shadow version, classifying beside the active one for comparison only (shadow.ts). */
  private shadows = new Map<string, IntentModel>();
  /** The versions that failed to load, so a poll does not retry and log them every few seconds. */
  private readonly failed = new Set<string>();
  private loaded = false;
  private refreshing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: OrgModelsOptions) {}

  /** The org's model: synchronous once the registry has been read, a promise of it before. */
  modelFor(orgId: string): IntentModel | Promise<IntentModel> {
    if (this.loaded) return this.models.get(orgId) ?? this.options.fallback;
    return this.refresh().then(() => this.models.get(orgId) ?? this.options.fallback);
  }

  /** The org's shadow model, if it has one loaded; it never decides anything that goes on. */
  shadowFor(orgId: string): IntentModel | undefined {
    return this.shadows.get(orgId);
  }

  /** The version each org with a model of its own is classified with now. */
  versions(): Map<string, string> {
    return new Map([...this.models].map(([org, model]) => [org, model.modelVersion]));
  }

  /** Polls every pollMs until stop(); a failed poll is logged and the models in memory kept. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'intent model registry poll failed; keeping the loaded models'),
      );
    }, this.options.pollMs ?? DEFAULT_MODEL_POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One poll; concurrent callers share it. */
  refresh(): Promise<void> {
    this.refreshing ??= this.poll().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async poll(): Promise<void> {
    const { db, postgres, logger } = this.options;
    if (postgres && postgres.state !== 'closed' && this.loaded) {
      // Classifying needs no database once the models are loaded, so no batch waits on this breaker and nothing
      // else would probe it: the poll does, or the breaker would stay open (and the process unready) for good.
      await postgres.waitUntilAvailable({ shouldStop: () => this.timer === undefined });
    }
    const live = await (postgres ? postgres.call(() => liveVersions(db)) : liveVersions(db));
    const next = await this.load(
      live.filter((v) => v.state === 'active'),
      this.models,
    );
    const nextShadows = await this.load(
      live.filter((v) => v.state === 'shadow'),
      this.shadows,
    );
    for (const [orgId, model] of this.models) {
      if (!next.has(orgId)) {
        logger.info({ orgId, retired: model.modelVersion }, 'org has no active intent model; using the default');
      }
    }
    this.shadows = nextShadows;
    this.models = next;
    this.loaded = true;
  }

  /** The models for `versions`, reusing those already in `current`; a version that fails keeps the org's. */
  private async load(
    versions: readonly LiveVersion[],
    current: ReadonlyMap<string, IntentModel>,
  ): Promise<Map<string, IntentModel>> {
    const { db, logger } = this.options;
    const next = new Map<string, IntentModel>();
    for (const { orgId, version, state } of versions) {
      const had = current.get(orgId);
      const failedKey = `${orgId}\u0000${version}`;
      if (had?.modelVersion === version || this.failed.has(failedKey)) {
        if (had) next.set(orgId, had);
        continue;
      }
      try {
        const model = IntentModel.fromBytes(await loadArtefactBytes(db, orgId, version));
        if (model.modelVersion !== version) {
          throw new Error(`its bytes are version ${model.modelVersion}, registered as ${version}`);
        }
        next.set(orgId, model);
        logger.info({ orgId, version, state, previous: had?.modelVersion ?? null }, 'intent model loaded');
      } catch (error) {
        this.failed.add(failedKey);
        if (had) next.set(orgId, had);
        const kept = had?.modelVersion ?? (state === 'active' ? this.options.fallback.modelVersion : null);
        logger.error(
          { err: error, orgId, version, state, kept },
          'intent model failed to load; keeping the previous one',
        );
      }
    }
    return next;
  }
}
