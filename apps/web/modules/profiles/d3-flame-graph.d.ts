// d3-flame-graph ships no types: the part of its chart API the console uses.
declare module 'd3-flame-graph' {
  export interface FlameGraphChart {
    (selection: unknown): void;
    width(w: number): FlameGraphChart;
    cellHeight(h: number): FlameGraphChart;
    transitionDuration(ms: number): FlameGraphChart;
    minFrameSize(px: number): FlameGraphChart;
    sort(sort: boolean): FlameGraphChart;
    selfValue(self: boolean): FlameGraphChart;
    computeDelta(compute: boolean): FlameGraphChart;
    setColorMapper(mapper: (d: unknown, originalColor: string) => string): FlameGraphChart;
    setSearchMatch(match: (d: { data: { name: string } }, term: string) => boolean): FlameGraphChart;
    setSearchHandler(handler: (results: unknown[], sum: number, total: number) => void): FlameGraphChart;
    setDetailsElement(element: HTMLElement | null): FlameGraphChart;
    search(term: string): void;
    clear(): void;
    resetZoom(): void;
    destroy(): void;
  }
  export default function flamegraph(): FlameGraphChart;
  export const colorMapper: {
    differentialColorMapper: (d: unknown, originalColor: string) => string;
  };
}
