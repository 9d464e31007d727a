/**
 * A recording OpenAI-compatible endpoint for tests: it keeps every request body that reached it (what left the
 * process for a model), and answers chat completions with what the test decides, by default a grounded answer
 * quoting the first sentence of the first passage it was shown. It serves GET /v1/models for health checks.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  path: string;
  body: unknown;
  /** The raw text of the body, as it left. */
  text: string;
}

export type Responder = (request: ChatRequest) => { status?: number; content?: string; delayMs?: number };

export interface ChatRequest {
  messages: Array<{ role: string; content: string }>;
}

/** The first passage's first sentence, cited: what a well-behaved model would answer. */
export const quoteFirstPassage: Responder = (request) => {
  const user = request.messages.find((m) => m.role === 'user')?.content ?? '';
  const match = /\[(P1)\] [^:]*: ([^.]+\.)/.exec(user);
  const content = match
    ? { answerable: true, sentences: [{ text: match[2], citations: [match[1]] }] }
    : { answerable: false, sentences: [] };
  return { content: JSON.stringify(content) };
};

export class RecordingEndpoint {
  readonly requests: RecordedRequest[] = [];
  responder: Responder = quoteFirstPassage;
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body, delayMs }) => {
        setTimeout(() => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        }, delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown; delayMs: number }> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const body = text === '' ? null : (JSON.parse(text) as unknown);
    this.requests.push({ path: req.url ?? '', body, text });
    if (req.method === 'GET' && req.url?.endsWith('/models')) {
      return { status: 200, body: { object: 'list', data: [{ id: 'recorded-model', object: 'model' }] }, delayMs: 0 };
    }
    const answer = this.responder(body as ChatRequest);
    const status = answer.status ?? 200;
    if (status !== 200) return { status, body: { error: { message: 'refused by the test' } }, delayMs: 0 };
    return {
      status,
      delayMs: answer.delayMs ?? 0,
      body: {
        id: `chatcmpl-${this.requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: 'recorded-model',
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: answer.content ?? '' } }],
        usage: { prompt_tokens: 321, completion_tokens: 42, total_tokens: 363 },
      },
    };
  }

  /** The chat requests only (not the health checks). */
  get chats(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith('/chat/completions'));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
    this.server = null;
  }
}
