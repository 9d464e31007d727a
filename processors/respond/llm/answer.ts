/**
 * A model's answer as the chain handles it, whatever the model: sentences each citing the prompt's passage ids.
 * Also the line format the local model writes (`[P1] sentence`), parsed here, because a small model follows a
 * one-line-per-claim pattern far more reliably than nested JSON and spends fewer tokens on it.
 */

export interface AnswerSentence {
  text: string;
  /** Prompt passage ids (P1, P2…) the sentence rests on. */
  citations: string[];
}

export interface ModelAnswer {
  sentences: AnswerSentence[];
  /** The model said it cannot answer from the passages (or declined outright). */
  refused: boolean;
  promptTokens: number;
  completionTokens: number;
}

/** Raised for output that is not an answer at all; the chain records it as MALFORMED. */
export class MalformedAnswerError extends Error {
  override readonly name = 'MalformedAnswerError';
}

/** The line the local model ends with, and the one it writes instead of sentences when nothing answers. */
export const END_MARK = 'END';
export const NO_ANSWER_MARK = 'NONE';

const LINE = /^\[(P\d+(?:\s*,\s*P\d+)*)\]\s*(.+)$/;

/** `[P1] text` lines up to END; NONE alone means the passages do not answer. */
export function parseAnswerLines(output: string): Omit<ModelAnswer, 'promptTokens' | 'completionTokens'> {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines[0] === NO_ANSWER_MARK) return { sentences: [], refused: true };
  const sentences: AnswerSentence[] = [];
  for (const line of lines) {
    if (line === END_MARK) break;
    const match = LINE.exec(line);
    if (!match) throw new MalformedAnswerError(`line ${JSON.stringify(line.slice(0, 80))} is not "[P<n>] sentence"`);
    sentences.push({ text: match[2]!.trim(), citations: match[1]!.split(',').map((id) => id.trim()) });
  }
  if (sentences.length === 0) throw new MalformedAnswerError('no sentence before END');
  return { sentences, refused: false };
}

/** The structured output a cloud model is asked for (JSON schema), and its check. */
export const ANSWER_JSON_SCHEMA = {
  name: 'grounded_answer',
  description: 'A reply to the customer, sentence by sentence, each sentence citing the passages it rests on.',
  type: 'object',
  properties: {
    answerable: {
      type: 'boolean',
      description: 'false when the passages do not answer the question; then sentences is empty',
    },
    sentences: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          text: { type: 'string' },
          citations: { type: 'array', items: { type: 'string' }, description: 'passage ids such as P1' },
        },
        required: ['text', 'citations'],
        additionalProperties: false,
      },
    },
  },
  required: ['answerable', 'sentences'],
  additionalProperties: false,
} as const;

export function answerFromJson(value: unknown): Omit<ModelAnswer, 'promptTokens' | 'completionTokens'> {
  if (typeof value !== 'object' || value === null) throw new MalformedAnswerError('the answer is not an object');
  const { answerable, sentences } = value as { answerable?: unknown; sentences?: unknown };
  if (typeof answerable !== 'boolean' || !Array.isArray(sentences)) {
    throw new MalformedAnswerError('the answer lacks answerable (boolean) or sentences (array)');
  }
  if (!answerable) return { sentences: [], refused: true };
  const parsed = sentences.map((s: unknown, i) => {
    const { text, citations } = (s ?? {}) as { text?: unknown; citations?: unknown };
    if (typeof text !== 'string' || !Array.isArray(citations) || !citations.every((c) => typeof c === 'string')) {
      throw new MalformedAnswerError(`sentence ${i + 1} lacks text (string) or citations (strings)`);
    }
    return { text: text.trim(), citations: citations.map((c: string) => c.trim()) };
  });
  if (parsed.length === 0) throw new MalformedAnswerError('answerable, but no sentence');
  return { sentences: parsed, refused: false };
}
