import { byId, h } from './dom.js';
import type { FiguresQuery } from './generated/graphql.js';
import { money } from './ordersView.js';

type Figures = FiguresQuery['dashboard'];

const SVG = 'http://www.w3.org/2000/svg';
/** The chart shows the last days with orders, at most this many bars. */
const DAYS_SHOWN = 14;
const CHART = { width: 420, height: 120, gap: 4, label: 16 };

/**
 * Staff's figures: orders and revenue by status in one currency, and the orders placed per day as a
 * small bar chart in plain SVG. Hidden from customers (the server refuses them the query too).
 */
export class FiguresView {
  offer(visible: boolean): void {
    byId('figures-panel').hidden = !visible;
  }

  clear(): void {
    byId('figures-summary').textContent = '';
    byId('figures').querySelector('tbody')!.replaceChildren();
    byId('orders-per-day').replaceChildren();
  }

  show(figures: Figures): void {
    const others = figures.currencies.filter((currency) => currency !== figures.currency);
    const alsoIn = others.length ? ` (also: ${others.join(', ')})` : '';
    byId('figures-summary').textContent = `${figures.ordersPlaced} orders, revenue ${money(figures.revenue)}${alsoIn}`;
    byId('figures')
      .querySelector('tbody')!
      .replaceChildren(
        ...figures.byStatus.map((row) =>
          h(
            'tr',
            { 'data-status': row.status },
            h('td', {}, row.status),
            h('td', { 'data-field': 'count' }, String(row.count)),
            h('td', { 'data-field': 'amount' }, money(row.amount)),
          ),
        ),
      );
    this.chart(figures.days.slice(-DAYS_SHOWN));
  }

  private chart(days: Figures['days']): void {
    const most = Math.max(1, ...days.map((day) => day.ordersPlaced));
    const barWidth = days.length ? (CHART.width - CHART.gap * (days.length - 1)) / days.length : 0;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${CHART.width} ${CHART.height + CHART.label}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Orders placed per day');
    days.forEach((day, index) => {
      const height = Math.round((day.ordersPlaced / most) * CHART.height);
      const x = index * (barWidth + CHART.gap);
      const bar = document.createElementNS(SVG, 'rect');
      for (const [name, value] of Object.entries({ x, y: CHART.height - height, width: barWidth, height }))
        bar.setAttribute(name, String(value));
      bar.setAttribute('data-date', day.date);
      bar.setAttribute('data-orders', String(day.ordersPlaced));
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${day.date}: ${day.ordersPlaced} orders`;
      bar.append(title);
      const label = document.createElementNS(SVG, 'text');
      label.setAttribute('x', String(x + barWidth / 2));
      label.setAttribute('y', String(CHART.height + CHART.label - 3));
      label.setAttribute('text-anchor', 'middle');
      label.textContent = day.date.slice(5);
      svg.append(bar, label);
    });
    byId('orders-per-day').replaceChildren(svg);
  }
}
