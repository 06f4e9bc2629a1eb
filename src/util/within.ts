/** Resolves with what `p` resolves to, or with `otherwise` if `p` takes longer than `ms` or rejects. */
export function within<T>(p: Promise<T>, ms: number, otherwise: T): Promise<T> {
  return Promise.race([p.catch(() => otherwise), new Promise<T>((resolve) => setTimeout(() => resolve(otherwise), ms).unref())]);
}
