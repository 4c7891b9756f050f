// Numbers, times and small DOM builders for the dashboard. Text is always set as text, never as HTML.

const integer = new Intl.NumberFormat('en-US');

/** @param {number | null | undefined} n */
export function count(n) {
  return n === null || n === undefined ? '—' : integer.format(n);
}

/** @param {number | null | undefined} n @param {number} [digits] */
export function decimal(n, digits = 1) {
  return n === null || n === undefined
    ? '—'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** @param {{ total: number, partial: boolean } | null} cost */
export function usd(cost) {
  if (cost === null) return '— (no prices)';
  const text = cost.total.toLocaleString('en-US', {
    style: 'currency',
    currency: 'USD',
    maximumFractionDigits: 4,
  });
  return cost.partial ? `≥ ${text}` : text;
}

/** @param {string | null} iso */
export function when(iso) {
  return iso === null ? '—' : new Date(iso).toLocaleString();
}

/** @param {number} ms */
export function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${decimal(ms / 1000, 1)} s`;
  if (ms < 3_600_000) return `${decimal(ms / 60_000, 1)} min`;
  return `${decimal(ms / 3_600_000, 1)} h`;
}

/**
 * An element with attributes and children (strings become text nodes).
 * @param {string} tag @param {Record<string, string>} [attributes] @param {(Node | string | null)[]} [children]
 */
export function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) if (child !== null) node.append(child);
  return node;
}

/** A status badge. @param {string} status */
export function badge(status) {
  return el('span', { class: `status status-${status}`, 'data-testid': 'status' }, [status]);
}
