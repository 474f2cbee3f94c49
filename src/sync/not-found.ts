import { NotFoundError } from "../circleci/index.js";

/**
 * The answer, or undefined when CircleCI answers 404: the resource is gone or hidden from the token,
 * which the streams skip and count rather than fail on. Any other failure is thrown as it is.
 */
export async function unlessNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
