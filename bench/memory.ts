/** Peak resident memory of this (Node) process while some work runs, sampled every 20 ms. */
export async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakBytes: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakBytes: peak };
  } finally {
    clearInterval(timer);
  }
}

export const mib = (bytes: number) => bytes / 2 ** 20;
