// Plots with uPlot (loaded before this module as the global `uPlot`, served from node_modules).

const HEIGHT = 220;
/** Axis steps for counts of lines: whole numbers only. */
const WHOLE = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000,
  1_000_000,
];

/** @param {HTMLElement} container */
function widthOf(container) {
  return Math.max(280, container.clientWidth - 8);
}

/**
 * A plot in `container` that `update(data)` redraws; `data-points` on the container tells how many
 * points it shows. @param {HTMLElement} container @param {object} options
 */
function plot(container, options) {
  /** @type {any} */
  let chart = null;
  const resizing = new ResizeObserver(() => chart?.setSize({ width: widthOf(container), height: HEIGHT }));
  return {
    /** @param {number[][]} data */
    update(data) {
      container.dataset.points = String(data[0]?.length ?? 0);
      if (chart === null) {
        chart = new window.uPlot({ ...options, width: widthOf(container), height: HEIGHT }, data, container);
        resizing.observe(container);
      } else {
        chart.setData(data);
      }
    },
    destroy() {
      resizing.disconnect();
      chart?.destroy();
      chart = null;
    },
  };
}

/** Lines done (cumulative, left axis) and lines per minute between samples (right axis) over time. */
export function progressPlot(/** @type {HTMLElement} */ container) {
  return plot(container, {
    scales: { x: { time: true }, lines: { range: (_u, _min, max) => [0, Math.max(1, max)] }, rate: {} },
    series: [
      {},
      { label: 'lines done', scale: 'lines', stroke: '#2764c4', width: 2, points: { show: true, size: 4 } },
      { label: 'lines/min', scale: 'rate', stroke: '#1e7d43', width: 1.5, spanGaps: true },
    ],
    axes: [
      {},
      { scale: 'lines', label: 'lines done', incrs: WHOLE },
      { scale: 'rate', side: 1, label: 'lines/min', grid: { show: false } },
    ],
  });
}

/**
 * Bars of lines per latency bucket.
 * @param {HTMLElement} container @param {string[]} labels
 */
export function latencyPlot(container, labels) {
  const indices = labels.map((_label, i) => i);
  return plot(container, {
    scales: {
      x: { time: false, range: () => [-0.5, labels.length - 0.5] },
      y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
    },
    series: [
      { label: 'latency', value: (_u, i) => (i === null ? '' : (labels[i] ?? '')) },
      {
        label: 'lines',
        stroke: '#2764c4',
        fill: 'rgba(39, 100, 196, 0.35)',
        paths: window.uPlot.paths.bars({ size: [0.8, 60] }),
        points: { show: false },
      },
    ],
    axes: [
      { splits: () => indices, values: (_u, splits) => splits.map((i) => labels[i] ?? ''), label: 'latency' },
      { label: 'lines', incrs: WHOLE },
    ],
    legend: { show: false },
    cursor: { points: { show: false } },
  });
}
