/** What the scheduler needs to know of a task to decide its next try. */
export interface RetryPolicy {
  retryDelay: number;
  retryExponentialBackoff: boolean;
  maxRetryDelay: number;
}

/**
 * Seconds to wait after failed try `tryNumber` (1-based). With exponential backoff the delay
 * doubles per try, as in Airflow, capped by maxRetryDelay; no jitter so runs are reproducible.
 */
export function retryDelaySeconds(policy: RetryPolicy, tryNumber: number): number {
  if (!policy.retryExponentialBackoff) return Math.min(policy.retryDelay, policy.maxRetryDelay);
  const exponent = Math.max(0, tryNumber - 1);
  return Math.min(policy.retryDelay * 2 ** Math.min(exponent, 40), policy.maxRetryDelay);
}

/** Airflow's rule: try N may be retried while N <= max_tries (max_tries = retries). */
export function isEligibleToRetry(tryNumber: number, maxTries: number): boolean {
  return tryNumber <= maxTries;
}
