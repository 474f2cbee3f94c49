import { GraphQLError } from "graphql";

/** The code Apollo Server (and clients written for it) give to errors in what the client sent. */
export const BAD_USER_INPUT = "BAD_USER_INPUT";

export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: BAD_USER_INPUT } });
}
