import type { ErrorRequestHandler } from 'express';

type BodyParserError = Error & { type?: string; status?: number; expose?: boolean; length?: number; limit?: number };

/**
 * Answers express.json's refusals (a body over the limit: 413; malformed JSON: 400; an encoding it
 * cannot read: 415) as GraphQL responses with extensions.code BAD_REQUEST, instead of express's HTML
 * page. Other errors pass on.
 */
export const requestBodyErrors: ErrorRequestHandler = (error: BodyParserError, _req, res, next) => {
  if (typeof error?.type !== 'string' || !error.expose || typeof error.status !== 'number') return next(error);
  res.status(error.status).json({ errors: [{ message: messageFor(error), extensions: { code: 'BAD_REQUEST' } }] });
};

function messageFor(error: BodyParserError): string {
  switch (error.type) {
    case 'entity.too.large': {
      const size = typeof error.length === 'number' ? ` of ${error.length} bytes` : '';
      return `The request body${size} is larger than the limit of ${error.limit} bytes`;
    }
    case 'entity.parse.failed':
      return `The request body is not valid JSON: ${error.message}`;
    default:
      return `The request body cannot be read: ${error.message}`;
  }
}
