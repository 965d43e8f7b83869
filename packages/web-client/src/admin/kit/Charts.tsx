import { useId } from 'react';
import { compactNumber, horizontalBars, labelIndexes, seriesLayout, ticks, type Datum } from './chart-math';

/** The numbers behind a chart, as a table in a disclosure: what a screen reader or a copy-paste needs. */
function DataTable(props: {
  caption: string;
  labelHeader: string;
  valueHeader: string;
  data: readonly Datum[];
}) {
  return (
    <details className="chart-data">
      <summary>Show data: {props.caption}</summary>
      <table className="admin-table">
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{props.labelHeader}</th>
            <th scope="col">{props.valueHeader}</th>
          </tr>
        </thead>
        <tbody>
          {props.data.map((datum) => (
            <tr key={datum.label}>
              <th scope="row">{datum.label}</th>
              <td>{datum.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** Horizontal bars, largest first as given: for top lists with long names. */
export function BarChart(props: {
  title: string;
  data: readonly Datum[];
  unit: string;
  labelHeader: string;
}) {
  const titleId = useId();
  const labelWidth = 150;
  const trackWidth = 250;
  const rowHeight = 26;
  const { bars, max, height } = horizontalBars(props.data, { trackWidth, rowHeight });
  if (props.data.length === 0) return <p className="hint">No data for this range.</p>;
  const width = labelWidth + trackWidth + 70;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${width} ${height + 4}`}
        role="img"
        aria-labelledby={titleId}
        preserveAspectRatio="xMinYMin meet"
      >
        <title id={titleId}>
          {props.title}: {props.data.map((datum) => `${datum.label} ${datum.value} ${props.unit}`).join(', ')}
        </title>
        {bars.map((bar) => (
          <g key={bar.label} transform={`translate(0 ${bar.y})`}>
            <text
              x={labelWidth - 8}
              y={rowHeight / 2}
              dominantBaseline="middle"
              textAnchor="end"
              className="chart-label"
            >
              {bar.label.length > 22 ? `${bar.label.slice(0, 21)}…` : bar.label}
            </text>
            <rect
              x={labelWidth}
              y={4}
              width={bar.length}
              height={rowHeight - 8}
              rx={3}
              className="chart-bar"
            />
            <text
              x={labelWidth + bar.length + 6}
              y={rowHeight / 2}
              dominantBaseline="middle"
              className="chart-value"
            >
              {compactNumber(bar.value)}
            </text>
          </g>
        ))}
      </svg>
      <figcaption className="hint">
        {props.unit}, scale 0–{compactNumber(max)}
      </figcaption>
      <DataTable
        caption={props.title}
        labelHeader={props.labelHeader}
        valueHeader={props.unit}
        data={props.data}
      />
    </figure>
  );
}

/** A time series as columns (`kind="columns"`) or a line with points. */
export function SeriesChart(props: {
  title: string;
  data: readonly Datum[];
  unit: string;
  kind: 'columns' | 'line';
  labelHeader: string;
}) {
  const titleId = useId();
  const box = { width: 640, height: 240, left: 48, right: 12, top: 12, bottom: 40 };
  const { points, path, max, columnWidth, baseline } = seriesLayout(props.data, box);
  if (props.data.length === 0) return <p className="hint">No data for this range.</p>;
  const plotHeight = baseline - box.top;
  const peak = props.data.reduce((best, datum) => (datum.value > best.value ? datum : best), props.data[0]!);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${box.width} ${box.height}`} role="img" aria-labelledby={titleId}>
        <title id={titleId}>
          {`${props.title}: ${props.data.length} periods from ${props.data[0]!.label} to ${props.data.at(-1)!.label}, highest ${peak.value} ${props.unit} (${peak.label})`}
        </title>
        {ticks(max).map((tick) => {
          const y = baseline - (tick / max) * plotHeight;
          return (
            <g key={tick}>
              <line x1={box.left} x2={box.width - box.right} y1={y} y2={y} className="chart-grid" />
              <text x={box.left - 6} y={y} dominantBaseline="middle" textAnchor="end" className="chart-axis">
                {compactNumber(tick)}
              </text>
            </g>
          );
        })}
        {props.kind === 'columns' ? (
          points.map((point) => (
            <rect
              key={point.label}
              x={point.x - columnWidth / 2}
              y={point.y}
              width={columnWidth}
              height={baseline - point.y}
              className="chart-bar"
            >
              <title>{`${point.label}: ${point.value} ${props.unit}`}</title>
            </rect>
          ))
        ) : (
          <>
            <path d={path} className="chart-line" fill="none" />
            {points.map((point) => (
              <circle key={point.label} cx={point.x} cy={point.y} r={3} className="chart-point">
                <title>{`${point.label}: ${point.value} ${props.unit}`}</title>
              </circle>
            ))}
          </>
        )}
        {labelIndexes(points.length, 6).map((index) => (
          <text key={index} x={points[index]!.x} y={baseline + 16} textAnchor="middle" className="chart-axis">
            {points[index]!.label}
          </text>
        ))}
      </svg>
      <figcaption className="hint">{props.unit}</figcaption>
      <DataTable
        caption={props.title}
        labelHeader={props.labelHeader}
        valueHeader={props.unit}
        data={props.data}
      />
    </figure>
  );
}
