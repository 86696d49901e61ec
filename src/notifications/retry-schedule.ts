/** The first retry waits about this long; each later one twice the one before. */
export const FIRST_RETRY_MS = 10_000;
/** No wait between attempts is longer than this. */
export const LONGEST_RETRY_MS = 4 * 3_600_000;

/**
 * When to try a failed delivery again: exponential backoff (10 s, 20 s, 40 s, … capped at 4 hours) with
 * "equal jitter" (half the wait fixed, half random, as in the AWS Architecture Blog's "Exponential Backoff
 * And Jitter"), so receivers that came back are not hit by every sender at once. Undefined when the next
 * attempt would fall after `giveUpAt`: the delivery is then marked failed.
 *
 * @param attempt the attempt that just failed, counting from 1
 * @param random a number in [0, 1)
 * @example nextAttemptAt(1, now, now + 86_400_000, Math.random) // now + 5 000 … 10 000 ms
 */
export function nextAttemptAt(attempt: number, now: number, giveUpAt: number, random: () => number): number | undefined {
  const wait = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempt - 1, 30));
  const at = now + Math.round(wait / 2 + (wait / 2) * random());
  return at > giveUpAt ? undefined : at;
}
