import { GraphQLError, Lexer, Source, TokenKind } from "graphql";

/**
 * The tokens graphql-js's parser counts for its `maxTokens` (comments are skipped), without building a document,
 * so a refusal can say how long the document really is; the body size limit bounds the work. Counting stops at a
 * lexical error: the parser reports that one.
 */
export function countTokens(source: string): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
  }
  return count;
}
