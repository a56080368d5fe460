import type { Pluggable } from '@smithy/types';
import { SourceError } from './source-types.js';

/**
 * The SDK turns any well-formed XML into an output object, so a proxy or captive portal answering 200 with an
 * unrelated document would read as "no instances" — and an empty listing tombstones the whole inventory. This
 * plugin checks, before deserialization, that a successful answer is the operation's own `<XxxResponse>` document,
 * and makes anything else `malformed`. Bodies are buffered anyway by the SDK's XML parser, so this costs one copy.
 */
export function expectOperationResponse<Input extends object, Output extends object>(): Pluggable<Input, Output> {
  return {
    applyToStack(stack) {
      stack.add(
        (next, context) => async (args) => {
          const out = await next(args);
          const response = out.response as { statusCode?: number; body?: unknown };
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) return out;
          const body = await collect(response.body);
          response.body = body;
          const operation = String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '');
          const root = rootElement(body);
          if (root !== `${operation}Response`) {
            throw new SourceError(
              `${operation}: the answer is not a ${operation}Response document (root ${root ? `<${root}>` : 'missing'})`,
              'malformed',
              true,
            );
          }
          return out;
        },
        { step: 'deserialize', priority: 'low', name: 'bathyscopeExpectOperationResponse' },
      );
    },
  };
}

async function collect(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (body && typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
  return new Uint8Array();
}

/** Name of the first element, skipping the XML declaration, comments and whitespace; looks at 512 bytes at most. */
export function rootElement(body: Uint8Array): string | undefined {
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 512)).toString('utf8');
  const m = /^\uFEFF?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<([A-Za-z_][\w.-]*)/.exec(head);
  return m?.[1];
}
