/**
 * Readers for the shared datasets. Paths default to `../shared/datasets/` beside the repository, where the
 * data lives; the data itself is never copied into the project.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../config/index.js';
import { parseLabelledCsv, type LabelledText } from './csv.js';

export const DEFAULT_BANKING77 = path.resolve(repoRoot, '../shared/datasets/banking77/train.csv');
export const DEFAULT_CLINC150 = path.resolve(repoRoot, '../shared/datasets/clinc150/train_val.json');

export function readBanking77(file: string = DEFAULT_BANKING77): LabelledText[] {
  return parseLabelledCsv(readFileSync(file, 'utf8'));
}

/**
 * CLINC150 intents a banking assistant should handle: its banking and credit-card domains, plus the few
 * intents elsewhere that BANKING77 covers (exchange rates) or that a bank's support desk would take (travel
 * notices, direct deposits). Everything else in CLINC150 is out of scope for a banking model.
 */
const BANKING_DOMAINS = new Set(['banking', 'credit_cards']);
const BANKING_INTENTS_ELSEWHERE = new Set(['exchange_rate', 'travel_notification', 'direct_deposit']);

export interface ClincOutOfScope {
  /** CLINC150's own out-of-scope utterances (`oos_*`). */
  oos: string[];
  /** In-scope CLINC150 utterances whose intent is not banking. */
  offDomain: string[];
}

export interface Clinc150 {
  train: ClincOutOfScope;
  val: ClincOutOfScope;
}

export function readClinc150(file: string = DEFAULT_CLINC150): Clinc150 {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, [string, string][]>;
  const domains = JSON.parse(readFileSync(path.join(path.dirname(file), 'domains.json'), 'utf8')) as Record<
    string,
    string[]
  >;
  const banking = new Set(BANKING_INTENTS_ELSEWHERE);
  for (const [domain, intents] of Object.entries(domains)) {
    if (BANKING_DOMAINS.has(domain)) for (const i of intents) banking.add(i);
  }
  const part = (inScope: string, oos: string): ClincOutOfScope => ({
    oos: (data[oos] ?? []).map(([text]) => text),
    offDomain: (data[inScope] ?? []).filter(([, intent]) => !banking.has(intent)).map(([text]) => text),
  });
  return { train: part('train', 'oos_train'), val: part('val', 'oos_val') };
}
