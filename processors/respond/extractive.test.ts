import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chunkDocument } from '../chunk/cut.js';
import { toKnowledgeDocument } from '../../connectors/kb-import/documents.js';
import { readSources } from '../../connectors/kb-import/sources.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { Draft, Passage } from '../../schemas/index.js';
import { extract, extractiveGenerator, renderGroup } from './extractive.js';
import type { DraftRequest } from './generator.js';
import { draftUnits } from './sentences.js';
import { templatesFor } from './templates.js';

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../connectors/kb-import/demo');

function passage(chunkId: string, title: string, text: string, score: number, rank: number): Passage {
  const documentId = chunkId.split('#')[0]!;
  return {
    chunkId,
    documentId,
    documentVersion: 2,
    title,
    text,
    sourceUri: `https://help.example/${documentId}`,
    score,
    rank,
  };
}

const refunds = passage(
  'refunds#1',
  'Returns and refunds',
  '## When you get your money back\n\nWe refund returns within 5 business days of receiving the parcel. Card refunds can take a further 3 to 5 business days to appear on your statement.\n\n## Charged twice\n\nIf you were charged twice for the same order, the duplicate charge is refunded automatically within 5 business days.',
  12.4,
  1,
);
const shipping = passage(
  'shipping#0',
  'Shipping times',
  '## How long delivery takes\n\nStandard delivery takes 3 to 5 business days. Express delivery takes 1 to 2 business days.',
  4.1,
  2,
);
const methods = passage(
  'refund-methods#0',
  'Refund methods',
  'Refunds can be paid in three ways:\n- back to your card\n- as store credit\n- by bank transfer\n\nStore credit never expires.',
  9,
  1,
);

function request(question: string, passages: readonly Passage[], language = 'en'): DraftRequest {
  const { enrichment, classification } = sampleEvents.InteractionGrounded;
  return {
    orgId: 'org-acme',
    question,
    language,
    classification,
    sentiment: enrichment.sentiment,
    customer: enrichment.customer,
    passages,
  };
}

/**
 * The draft is the greeting, then whole units quoted from the passages joined only by spaces, line breaks
 * and list markers, then the closing: nothing else. Proves no sentence was written rather than quoted.
 */
function assertOnlyQuotes(draft: Draft, passages: readonly Passage[]): void {
  const { templates } = templatesFor(draft.language);
  const head = `${templates.greeting}\n\n`;
  const tail = `\n\n${templates.closing}`;
  assert.ok(draft.text.startsWith(head), 'starts with the greeting');
  assert.ok(draft.text.endsWith(tail), 'ends with the closing');
  const body = draft.text.slice(head.length, draft.text.length - tail.length);
  const units = [...new Set(passages.flatMap((p) => draftUnits(p.text).map((u) => u.text)))];
  const separators = ['', ' ', '\n', '\n\n', '- ', '\n- ', '\n\n- '];
  const reachable = new Set([0]);
  for (let at = 0; at < body.length; at++) {
    if (!reachable.has(at)) continue;
    for (const sep of separators) {
      if (!body.startsWith(sep, at) || (at === 0 && sep !== '' && sep !== '- ')) continue;
      for (const unit of units)
        if (body.startsWith(unit, at + sep.length)) reachable.add(at + sep.length + unit.length);
    }
  }
  assert.ok(reachable.has(body.length), `the body is not made of quoted units only:\n${body}`);
  // Every sentence the body reads as is found verbatim in a passage.
  for (const unit of draftUnits(body)) {
    assert.ok(
      passages.some((p) => p.text.includes(unit.text)),
      `not in any passage: ${unit.text}`,
    );
  }
}

/** Each citation's passage supplied a quoted unit, and each quoted unit comes from a cited passage. */
function assertCitations(draft: Draft, passages: readonly Passage[]): void {
  const cited = draft.citations.map((c) => passages.find((p) => p.chunkId === c.chunkId)!);
  assert.ok(cited.every(Boolean), 'every citation names a retrieved passage');
  assert.equal(new Set(draft.citations.map((c) => c.chunkId)).size, draft.citations.length, 'no duplicates');
  const quoted = draftUnits(draft.text).filter((u) => passages.some((p) => p.text.includes(u.text)));
  for (const p of cited)
    assert.ok(
      quoted.some((u) => p.text.includes(u.text)),
      `${p.chunkId} is cited but not quoted`,
    );
  for (const u of quoted)
    assert.ok(
      cited.some((p) => p.text.includes(u.text)),
      `quoted without citation: ${u.text}`,
    );
}

test('quotes the sentence answering the question and cites its passage', () => {
  const passages = [refunds, shipping];
  const draft = extractiveGenerator().draft(
    request('I was charged twice for my order, when do I get the duplicate charge back?', passages),
  ) as Draft;
  assert.equal(draft.holding, false);
  assert.deepEqual(draft.generator, { kind: 'EXTRACTIVE', model: null, version: 'extractive@1' });
  assert.ok(
    draft.text.includes(
      'If you were charged twice for the same order, the duplicate charge is refunded automatically within 5 business days.',
    ),
  );
  assert.ok(!draft.text.includes('Express delivery'));
  assert.deepEqual(draft.citations, [
    {
      chunkId: 'refunds#1',
      documentId: 'refunds',
      documentVersion: 2,
      title: 'Returns and refunds',
      sourceUri: 'https://help.example/refunds',
    },
  ]);
  assert.ok(draft.confidence > 0.5 && draft.confidence <= 1, String(draft.confidence));
  assertOnlyQuotes(draft, passages);
});

test('citations follow the order passages are first quoted in, one per passage', () => {
  const passages = [refunds, shipping];
  const draft = extractiveGenerator().draft(
    request('How many business days for a refund of my returns, and how long does express delivery take?', passages),
  ) as Draft;
  assert.deepEqual(
    draft.citations.map((c) => c.chunkId),
    ['refunds#1', 'shipping#0'],
  );
  assertOnlyQuotes(draft, passages);
  assertCitations(draft, passages);
});

test('a sentence introducing a list brings the list along, as list lines', () => {
  const draft = extractiveGenerator().draft(request('In which ways can refunds be paid?', [methods])) as Draft;
  assert.ok(
    draft.text.includes(
      'Refunds can be paid in three ways:\n- back to your card\n- as store credit\n- by bank transfer',
    ),
  );
  assertOnlyQuotes(draft, [methods]);
});

test('confidence grows with how much of the question is covered and how strong retrieval was', () => {
  const full = extract('charged twice duplicate charge refunded', 'en', [refunds])!;
  const partial = extract('charged twice by the courier for customs fees and import duties', 'en', [refunds])!;
  assert.ok(full.confidence > partial.confidence, `${full.confidence} > ${partial.confidence}`);
  const weak = extract('charged twice duplicate charge refunded', 'en', [{ ...refunds, score: 1.5 }])!;
  assert.ok(full.confidence > weak.confidence);
  for (const e of [full, partial, weak]) assert.ok(e.confidence >= 0 && e.confidence <= 1);
});

test('the verbatim check itself rejects a sentence that was not quoted', () => {
  const passages = [refunds];
  const draft = extractiveGenerator().draft(request('charged twice duplicate charge', passages)) as Draft;
  const { templates } = templatesFor('en');
  const invented = draft.text.replace(`\n\n${templates.closing}`, ` Refunds are instant.\n\n${templates.closing}`);
  assert.throws(() => assertOnlyQuotes({ ...draft, text: invented }, passages));
  const altered = draft.text.replace('5 business days', '2 business days');
  assert.throws(() => assertOnlyQuotes({ ...draft, text: altered }, passages));
});

function assertHolding(draft: Draft, language = 'en'): void {
  const { templates } = templatesFor(language);
  assert.equal(draft.holding, true);
  assert.equal(draft.generator.kind, 'TEMPLATE');
  assert.equal(draft.confidence, 0);
  assert.deepEqual(draft.citations, []);
  assert.equal(draft.text, `${templates.greeting}\n\n${templates.holding}`);
  assert.equal(draft.language, language);
}

test('no passages: the holding reply', () => {
  assertHolding(extractiveGenerator().draft(request('Where is my refund?', [])) as Draft);
});

test('passages scoring under the threshold are never quoted: the holding reply', () => {
  const weak = [{ ...refunds, score: 0.6 }];
  assertHolding(extractiveGenerator().draft(request('When is my duplicate charge refunded?', weak)) as Draft);
});

test('passages sharing no word with the question: the holding reply', () => {
  assertHolding(extractiveGenerator().draft(request('Are you hiring engineers?', [refunds, shipping])) as Draft);
});

test('a question with no content words: the holding reply', () => {
  assertHolding(extractiveGenerator().draft(request('Hi! Can you help me please?', [refunds])) as Draft);
});

test('a question matched on one side word is a guess: the holding reply', () => {
  assertHolding(
    extractiveGenerator().draft(request('Is the parcel locker near me open?', [{ ...refunds, score: 1.2 }])) as Draft,
  );
});

test('the holding reply is in the question’s language when there is a template for it, else English', () => {
  assertHolding(extractiveGenerator().draft(request('¿Dónde está mi reembolso?', [], 'es-MX')) as Draft, 'es');
  assertHolding(extractiveGenerator().draft(request('Waar is mijn terugbetaling?', [], 'nl')) as Draft, 'en');
});

/** mulberry32: a tiny seeded PRNG, so the property test is reproducible. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('property: over random questions and demo passages, drafts only ever quote and cite what was retrieved', async () => {
  const chunks = (await readSources(DEMO))
    .map((s) => toKnowledgeDocument('org-demo', s, { defaultLanguage: 'en', now: 0 }))
    .filter((d) => d.language === 'en')
    .flatMap((d) => chunkDocument(d));
  const vocabulary = [...new Set(chunks.flatMap((c) => c.text.split(/\s+/)))];
  const noise = ['hello', 'urgent', 'yesterday', 'please', 'zebra', 'quantum', 'invoice', 'why', '!!!', '[EMAIL]'];
  const random = prng(2024);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const generator = extractiveGenerator();
  let answered = 0;
  for (let i = 0; i < 400; i++) {
    const words = Array.from({ length: 2 + Math.floor(random() * 10) }, () =>
      random() < 0.75 ? pick(vocabulary) : pick(noise),
    );
    const passages = Array.from({ length: Math.floor(random() * 5) }, (_, r) => {
      const c = pick(chunks);
      return passage(c.chunkId, c.title, c.text, 20 * random(), r + 1);
    })
      .sort((a, b) => b.score - a.score)
      .map((p, r) => ({ ...p, rank: r + 1 }));
    const draft = generator.draft(request(words.join(' '), passages)) as Draft;
    assert.ok(draft.confidence >= 0 && draft.confidence <= 1);
    if (draft.holding) {
      assertHolding(draft);
      continue;
    }
    answered++;
    assert.ok(draft.citations.length > 0);
    assertOnlyQuotes(draft, passages);
    assertCitations(draft, passages);
  }
  // Both paths must actually have been exercised.
  assert.ok(answered > 40 && answered < 360, `answered ${answered} of 400`);
});

test('rendering: sentences run on, list items on their own lines, a paragraph after a list', () => {
  assert.equal(
    renderGroup([
      { text: 'Pay by:', listItem: false },
      { text: 'card', listItem: true },
      { text: 'transfer', listItem: true },
      { text: 'Both are free.', listItem: false },
      { text: 'No fees apply.', listItem: false },
    ]),
    'Pay by:\n- card\n- transfer\n\nBoth are free. No fees apply.',
  );
});

test('hybrid groundings are read on the fused scale: small RRF scores still ground a draft, and agreement is strength', () => {
  // Scores as the hybrid retrieval gives them: 1/(60 + rank) summed over the lists that found the document.
  const fusedRefunds = { ...refunds, score: 1 / 61 + 1 / 61 };
  const fusedShipping = { ...shipping, score: 1 / 62 };
  const question = 'I was charged twice for my order, when is it refunded?';
  const asLexical = extractiveGenerator().draft(request(question, [fusedRefunds, fusedShipping])) as Draft;
  assert.equal(asLexical.holding, true, 'read as BM25 scores, they are all below the floor');
  const hybrid = extractiveGenerator().draft({
    ...request(question, [fusedRefunds, fusedShipping]),
    retrievalMethod: 'HYBRID',
  }) as Draft;
  assert.equal(hybrid.holding, false);
  assert.deepEqual(
    hybrid.citations.map((c) => c.chunkId),
    ['refunds#1'],
  );
  const both = extract(question, 'en', [fusedRefunds], undefined, 'HYBRID')!;
  const lexicalOnly = extract(question, 'en', [{ ...fusedRefunds, score: 1 / 61 }], undefined, 'HYBRID')!;
  assert.equal(both.strength, 1);
  assert.ok(Math.abs(lexicalOnly.strength - 0.5) < 1e-9);
});
