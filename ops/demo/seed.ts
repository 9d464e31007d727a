/**
 * The demo organization in PostgreSQL: the org, its SLA policies and customers (the rows enrich reads, see
 * processors/enrich/context/store.ts), its routing settings and an ingest key. Every write is an upsert, so a
 * re-run changes nothing.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Queryable } from '../db/queryable.js';
import { DEFAULT_ROUTE_SETTINGS } from '../../processors/route/policy.js';
import { saveRouteSettings } from '../../processors/route/settings-store.js';
import { createIngestKey, findIngestKeyOwner, upsertOrganization } from '../db/ingest-keys.js';

export const DEMO_ORG = { id: 'demo', name: 'Acme Bank & Shop (demo)' };

/** First-response targets in minutes per priority; the first policy is the org's default. */
const SLA_POLICIES = [
  { id: 'standard', name: 'Standard', minutes: [60, 240, 480, 1440], isDefault: true },
  { id: 'premium', name: 'Premium', minutes: [15, 60, 240, 480], isDefault: false },
] as const;

/** The customers the sample interactions come from; a sender not listed here is unknown to the org. */
export const DEMO_CUSTOMERS = [
  { id: 'cust-1001', plan: 'plus-monthly', tier: 'PREMIUM', policy: 'premium' },
  { id: 'cust-1002', plan: 'basic', tier: 'STANDARD', policy: null },
  { id: 'cust-1003', plan: 'business-annual', tier: 'ENTERPRISE', policy: 'premium' },
  { id: 'cust-1004', plan: null, tier: 'FREE', policy: null },
] as const;

export async function seedOrganization(db: Queryable): Promise<string> {
  await upsertOrganization(db, DEMO_ORG);
  for (const p of SLA_POLICIES) {
    await db.query(
      `INSERT INTO sla_policies (org_id, policy_id, name, first_response_p1_minutes, first_response_p2_minutes,
         first_response_p3_minutes, first_response_p4_minutes, is_default)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (org_id, policy_id) DO UPDATE SET name = EXCLUDED.name,
         first_response_p1_minutes = EXCLUDED.first_response_p1_minutes,
         first_response_p2_minutes = EXCLUDED.first_response_p2_minutes,
         first_response_p3_minutes = EXCLUDED.first_response_p3_minutes,
         first_response_p4_minutes = EXCLUDED.first_response_p4_minutes, is_default = EXCLUDED.is_default`,
      [DEMO_ORG.id, p.id, p.name, ...p.minutes, p.isDefault],
    );
  }
  for (const c of DEMO_CUSTOMERS) {
    await db.query(
      `INSERT INTO customers (org_id, customer_id, plan, tier, sla_policy_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (org_id, customer_id) DO UPDATE SET plan = EXCLUDED.plan, tier = EXCLUDED.tier,
         sla_policy_id = EXCLUDED.sla_policy_id`,
      [DEMO_ORG.id, c.id, c.plan, c.tier, c.policy],
    );
  }
  return (
    `org ${DEMO_ORG.id}: SLA policies ${SLA_POLICIES.map((p) => p.id).join(', ')} (default ${SLA_POLICIES[0].id}); ` +
    `customers ${DEMO_CUSTOMERS.map((c) => `${c.id} ${c.tier}`).join(', ')}`
  );
}

/**
 * Intents the demo knowledge base answers (cards, passwords, payments, refunds) may be answered without review,
 * still only when the draft is confident and the customer not upset; Spanish gets queues of its own.
 */
const ROUTING = {
  autoReplyIntents: [
    'lost_or_stolen_card',
    'passcode_forgotten',
    'declined_card_payment',
    'request_refund',
    'Refund_not_showing_up',
  ],
  queueLanguages: ['en', 'es'],
};

export async function configureRouting(db: Queryable): Promise<string> {
  const { settings, version } = await saveRouteSettings(db, DEMO_ORG.id, ROUTING);
  const threshold = settings.autoReplyThreshold ?? DEFAULT_ROUTE_SETTINGS.autoReplyThreshold;
  return (
    `auto-reply allowed for ${ROUTING.autoReplyIntents.join(', ')} from draft confidence ${threshold}; ` +
    `queues for ${ROUTING.queueLanguages.join(', ')} (settings version ${version})`
  );
}

/**
 * The demo's ingest key. Keys are shown once and stored hashed, so the plaintext is kept in `file` (mode 0600)
 * and reused while PostgreSQL still accepts it for the demo org; otherwise a new one is created and saved.
 */
export async function ensureIngestKey(db: Queryable, file: string): Promise<{ key: string; created: boolean }> {
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    const owner = await findIngestKeyOwner(db, saved);
    if (owner?.org.id === DEMO_ORG.id) return { key: saved, created: false };
  }
  const { key } = await createIngestKey(db, DEMO_ORG.id, 'demo (ops/demo.ts)');
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync keeps the mode of a file that already existed
  return { key, created: true };
}
