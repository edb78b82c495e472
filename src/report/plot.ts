import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

/** Every chart's root class: Plot's stylesheet for it is put in the page once instead of in every chart. */
export const PLOT_CLASS = 'fl-plot';

/**
 * Renders Plot charts to SVG markup in Node: Plot draws into a DOM, here linkedom's, and the markup goes into
 * the page as it is, so the page needs no script to show its charts.
 */
export class PlotRenderer {
  private readonly document = parseHTML('<!doctype html><html><body></body></html>').document;
  private readonly styles = new Set<string>();

  /** The chart's markup, with its stylesheet taken out (see `stylesheet`) and coordinates rounded. */
  render(options: Plot.PlotOptions): string {
    const chart = Plot.plot({
      ...options,
      className: PLOT_CLASS,
      document: this.document as unknown as Plot.PlotOptions['document'],
    });
    const markup = (chart as unknown as { outerHTML: string }).outerHTML.replace(
      /<style>([\s\S]*?)<\/style>/g,
      (_: string, css: string) => {
        this.styles.add(css);
        return '';
      },
    );
    return roundCoordinates(markup);
  }

  /** The stylesheets the rendered charts carried, each once. */
  stylesheet(): string {
    return [...this.styles].join('\n');
  }
}

const GEOMETRY = /\s(d|transform|x|y|x1|x2|y1|y2|width|height|points|cx|cy|r)="([^"]*)"/g;

/** Coordinates to 0.1 px: Plot writes up to 17 digits, which would be most of a page of charts. */
export function roundCoordinates(markup: string): string {
  return markup.replace(GEOMETRY, (_, name: string, value: string) => {
    const rounded = value.replace(/-?\d*\.\d+(?:e-?\d+)?/g, (n) => String(Math.round(Number(n) * 10) / 10));
    return ` ${name}="${rounded}"`;
  });
}
