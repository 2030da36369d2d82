// Small statistics helpers.
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const s = [...values].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export function min(values: readonly number[]): number {
  return values.length ? Math.min(...values) : Number.NaN
}

export function max(values: readonly number[]): number {
  return values.length ? Math.max(...values) : Number.NaN
}

export interface Summary {
  n: number
  median: number
  min: number
  max: number
}

export function summarize(values: readonly number[]): Summary {
  return { n: values.length, median: median(values), min: min(values), max: max(values) }
}

export const round = (x: number, digits = 0): number => {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
