// Hand-written SVG charts (no dependencies).
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const fmt = (x: number): string => (Math.round(x * 10) / 10).toString()
const FONT = 'font-family="system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"'

function niceStep(max: number, ticks: number): number {
  const raw = max / ticks
  const p = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p
}

export interface Bar {
  label: string
  /** Median, ms. */
  value: number
  min: number
  max: number
  /** Part of the bar spent before the first connection (process start-up), ms. */
  startup?: number
  highlight?: boolean
  note?: string
}

export function barChart(title: string, subtitle: string, bars: readonly Bar[], floor: { value: number; label: string }): string {
  const W = 860
  const left = 250
  const right = 150
  const top = 80
  const row = 40
  const plotW = W - left - right
  const H = top + bars.length * row + 64
  // One approach far slower than the rest (the CLI) would squash the others: its bar is then
  // cut at the axis end, marked with a break and labelled with its value.
  const maxes = bars.map((b) => b.max).sort((a, b) => b - a)
  const clip = maxes.length > 1 && maxes[0]! > 3 * maxes[1]! ? maxes[1]! * 1.5 : Number.POSITIVE_INFINITY
  const maxV = Math.min(clip, Math.max(floor.value, ...maxes)) * 1.02
  const step = niceStep(maxV, 6)
  const axisMax = Math.ceil(maxV / step) * step
  const x = (v: number): number => left + (Math.min(v, axisMax) / axisMax) * plotW
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="13">`)
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`)
  out.push(`<text x="16" y="24" font-size="16" font-weight="600">${esc(title)}</text>`)
  out.push(`<text x="16" y="44" fill="#555">${esc(subtitle)}</text>`)
  const plotBottom = top + bars.length * row
  for (let v = 0; v <= axisMax + 1e-9; v += step) {
    out.push(`<line x1="${fmt(x(v))}" y1="${top - 6}" x2="${fmt(x(v))}" y2="${plotBottom}" stroke="#e5e5e5"/>`)
    out.push(
      `<text x="${fmt(x(v))}" y="${plotBottom + 16}" text-anchor="middle" fill="#555">${v >= 1000 ? `${fmt(v / 1000)} s` : `${fmt(v)} ms`}</text>`
    )
  }
  bars.forEach((b, i) => {
    const y = top + i * row + 8
    const h = row - 16
    const color = b.highlight ? '#1f6feb' : '#8c959f'
    const light = b.highlight ? '#9ecbff' : '#d0d7de'
    out.push(
      `<text x="${left - 10}" y="${y + h / 2 + 4}" text-anchor="end"${b.highlight ? ' font-weight="600"' : ''}>${esc(b.label)}</text>`
    )
    const s = Math.min(b.startup ?? 0, b.value)
    if (s > 0)
      out.push(
        `<rect x="${left}" y="${y}" width="${fmt(x(s) - left)}" height="${h}" fill="${light}"><title>start-up before the first connection: ${Math.round(s)} ms</title></rect>`
      )
    out.push(
      `<rect x="${fmt(x(s))}" y="${y}" width="${fmt(Math.max(0.5, x(b.value) - x(s)))}" height="${h}" fill="${color}"><title>${esc(b.label)}: median ${Math.round(b.value)} ms</title></rect>`
    )
    out.push(`<line x1="${fmt(x(b.min))}" y1="${y + h / 2}" x2="${fmt(x(b.max))}" y2="${y + h / 2}" stroke="#24292f" stroke-width="1"/>`)
    out.push(
      `<line x1="${fmt(x(b.min))}" y1="${y + 5}" x2="${fmt(x(b.min))}" y2="${y + h - 5}" stroke="#24292f"/><line x1="${fmt(x(b.max))}" y1="${y + 5}" x2="${fmt(x(b.max))}" y2="${y + h - 5}" stroke="#24292f"/>`
    )
    if (b.value > axisMax) {
      const bx = left + plotW - 24
      out.push(
        `<path d="M${bx},${y - 2} l6,${h / 2 + 2} l-6,${h / 2 + 2}" fill="none" stroke="#fff" stroke-width="4"/><path d="M${bx + 8},${y - 2} l6,${h / 2 + 2} l-6,${h / 2 + 2}" fill="none" stroke="#fff" stroke-width="4"/>`
      )
    }
    const label = `${b.value >= 10_000 ? `${fmt(b.value / 1000)} s` : `${Math.round(b.value)} ms`}${b.value > axisMax ? ' (bar cut)' : ''}${b.note ? ` ${esc(b.note)}` : ''}`
    out.push(`<text x="${fmt(Math.max(x(b.value), x(b.max)) + 6)}" y="${y + h / 2 + 4}">${label}</text>`)
  })
  const fx = x(floor.value)
  out.push(
    `<line x1="${fmt(fx)}" y1="${top - 8}" x2="${fmt(fx)}" y2="${plotBottom}" stroke="#cf222e" stroke-width="2" stroke-dasharray="5,4"/>`
  )
  out.push(`<text x="${fmt(fx + 4)}" y="${top - 10}" fill="#cf222e">${esc(floor.label)}</text>`)
  out.push(
    `<rect x="${left}" y="${H - 28}" width="12" height="12" fill="#9ecbff"/><rect x="${left + 12}" y="${H - 28}" width="12" height="12" fill="#d0d7de"/>`
  )
  out.push(`<text x="${left + 30}" y="${H - 18}" fill="#555">start-up before the first connection</text>`)
  out.push(
    `<rect x="${left + 270}" y="${H - 28}" width="12" height="12" fill="#1f6feb"/><rect x="${left + 282}" y="${H - 28}" width="12" height="12" fill="#8c959f"/>`
  )
  out.push(`<text x="${left + 300}" y="${H - 18}" fill="#555">rest (network + work); whisker: min–max</text>`)
  out.push('</svg>')
  return out.join('\n') + '\n'
}

export interface Series {
  label: string
  color: string
  points: Array<[number, number]>
  dashed?: boolean
}

export function lineChart(
  title: string,
  subtitle: string,
  xLabel: string,
  yLabel: string,
  series: readonly Series[],
  hlines: ReadonlyArray<{ y: number; label: string; color: string; below?: boolean }>
): string {
  const W = 860
  const H = 420
  const left = 64
  const right = 24
  const top = 64
  const bottom = 90
  const plotW = W - left - right
  const plotH = H - top - bottom
  const xs = series.flatMap((s) => s.points.map((p) => p[0]))
  const ys = [...series.flatMap((s) => s.points.map((p) => p[1])), ...hlines.map((h) => h.y)]
  const xMax = Math.max(1, ...xs)
  const yMaxRaw = Math.max(1, ...ys) * 1.1
  const xStep = niceStep(xMax, 10)
  const yStep = niceStep(yMaxRaw, 6)
  const xAxis = Math.ceil(xMax / xStep) * xStep
  const yAxis = Math.ceil(yMaxRaw / yStep) * yStep
  const X = (v: number): number => left + (v / xAxis) * plotW
  const Y = (v: number): number => top + plotH - (v / yAxis) * plotH
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="13">`)
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`)
  out.push(`<text x="16" y="24" font-size="16" font-weight="600">${esc(title)}</text>`)
  out.push(`<text x="16" y="44" fill="#555">${esc(subtitle)}</text>`)
  for (let v = 0; v <= yAxis + 1e-9; v += yStep) {
    out.push(`<line x1="${left}" y1="${fmt(Y(v))}" x2="${W - right}" y2="${fmt(Y(v))}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${left - 8}" y="${fmt(Y(v) + 4)}" text-anchor="end" fill="#555">${fmt(v)}</text>`)
  }
  for (let v = 0; v <= xAxis + 1e-9; v += xStep) {
    out.push(`<line x1="${fmt(X(v))}" y1="${top}" x2="${fmt(X(v))}" y2="${top + plotH}" stroke="#f0f0f0"/>`)
    out.push(`<text x="${fmt(X(v))}" y="${top + plotH + 18}" text-anchor="middle" fill="#555">${fmt(v)}</text>`)
  }
  out.push(`<line x1="${left}" y1="${top + plotH}" x2="${W - right}" y2="${top + plotH}" stroke="#24292f"/>`)
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#24292f"/>`)
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 40}" text-anchor="middle" fill="#24292f">${esc(xLabel)}</text>`)
  out.push(`<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#24292f">${esc(yLabel)}</text>`)
  for (const h of hlines) {
    out.push(
      `<line x1="${left}" y1="${fmt(Y(h.y))}" x2="${W - right}" y2="${fmt(Y(h.y))}" stroke="${h.color}" stroke-width="1.5" stroke-dasharray="6,4"/>`
    )
    out.push(
      `<text x="${W - right - 4}" y="${fmt(h.below ? Y(h.y) + 16 : Y(h.y) - 6)}" text-anchor="end" fill="${h.color}">${esc(h.label)}</text>`
    )
  }
  for (const s of series) {
    const d = s.points.map(([px, py], i) => `${i ? 'L' : 'M'}${fmt(X(px))},${fmt(Y(py))}`).join(' ')
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4,3"' : ''}/>`)
    for (const [px, py] of s.points) out.push(`<circle cx="${fmt(X(px))}" cy="${fmt(Y(py))}" r="2.5" fill="${s.color}"/>`)
  }
  let lx = left
  for (const s of series) {
    out.push(
      `<line x1="${lx}" y1="${H - 18}" x2="${lx + 22}" y2="${H - 18}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4,3"' : ''}/>`
    )
    out.push(`<text x="${lx + 28}" y="${H - 14}" fill="#24292f">${esc(s.label)}</text>`)
    lx += 40 + s.label.length * 7
  }
  out.push('</svg>')
  return out.join('\n') + '\n'
}
