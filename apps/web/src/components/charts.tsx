/** Small SVG charts drawn from plain numbers (no chart library). */

export function Sparkline({ values, max, label, width = 120, height = 28 }: { values: (number | null)[]; max?: number; label: string; width?: number; height?: number }) {
  const points = values.map((value, index) => ({ value, index })).filter((point): point is { value: number; index: number } => point.value !== null);
  const top = max ?? Math.max(1, ...points.map((point) => point.value));
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const path = points.map((point, i) => `${i === 0 ? 'M' : 'L'}${(point.index * step).toFixed(1)},${(height - 2 - (Math.min(point.value, top) / top) * (height - 4)).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <title>{label}</title>
      {points.length > 1 ? <path d={path} fill="none" strokeWidth="1.5" /> : <line x1="0" x2={width} y1={height - 2} y2={height - 2} className="sparkline-empty" />}
    </svg>
  );
}

export interface ChartPoint {
  x: number;
  y: number;
}

/** A line chart with labelled axes, for the loss curve and credit over time. */
export function LineChart({ points, label, xLabel, yLabel, height = 220, formatX = String }: { points: ChartPoint[]; label: string; xLabel: string; yLabel: string; height?: number; formatX?: (x: number) => string }) {
  const width = 640;
  const pad = { left: 56, right: 12, top: 12, bottom: 36 };
  if (points.length === 0) return null;
  const xs = points.map((point) => point.x);
  const ys = points.map((point) => point.y);
  const [minX, maxX] = [Math.min(...xs), Math.max(...xs)];
  const [minY0, maxY0] = [Math.min(...ys), Math.max(...ys)];
  const spanY = maxY0 - minY0 || Math.abs(maxY0) || 1;
  const [minY, maxY] = [minY0 - spanY * 0.05, maxY0 + spanY * 0.05];
  const sx = (x: number) => pad.left + ((x - minX) / (maxX - minX || 1)) * (width - pad.left - pad.right);
  const sy = (y: number) => pad.top + (1 - (y - minY) / (maxY - minY || 1)) * (height - pad.top - pad.bottom);
  const path = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${sx(point.x).toFixed(1)},${sy(point.y).toFixed(1)}`).join(' ');
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((t) => minY + t * (maxY - minY));
  const xTicks = [0, 0.5, 1].map((t) => minX + t * (maxX - minX));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} preserveAspectRatio="xMidYMid meet">
        <title>{label}</title>
        {yTicks.map((tick) => (
          <g key={`y${tick}`}>
            <line className="grid" x1={pad.left} x2={width - pad.right} y1={sy(tick)} y2={sy(tick)} />
            <text className="tick" x={pad.left - 6} y={sy(tick) + 4} textAnchor="end">
              {tick.toPrecision(3)}
            </text>
          </g>
        ))}
        {xTicks.map((tick) => (
          <text key={`x${tick}`} className="tick" x={sx(tick)} y={height - pad.bottom + 16} textAnchor="middle">
            {formatX(Math.round(tick))}
          </text>
        ))}
        <text className="axis-label" x={(width + pad.left) / 2} y={height - 4} textAnchor="middle">
          {xLabel}
        </text>
        <text className="axis-label" x={12} y={height / 2} textAnchor="middle" transform={`rotate(-90 12 ${height / 2})`}>
          {yLabel}
        </text>
        <path className="line" d={path} fill="none" />
        {points.length <= 60 && points.map((point) => <circle key={`${point.x}`} className="dot" cx={sx(point.x)} cy={sy(point.y)} r="2.5" />)}
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
}
