import { PotluckApiError } from '@potluck/sdk';

/** The API error a request failed with; fails the test when it succeeded or failed otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<PotluckApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PotluckApiError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}
