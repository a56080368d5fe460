#!/usr/bin/env node
/**
 * Forecast model cost: fitting a 4-week hourly series (672 points) the way the API does — choosing daily or
 * daily + weekly seasonality by backtest, then the final fit with a 95 % interval — and a single MSTL fit alone.
 * Reads the built API (npm run build -w apps/api first). Usage: node bench/forecast.bench.mjs [rounds] [horizonHours]
 */
import { chooseModel, forecastErrors, loadMstl, mstlModel } from '../apps/api/dist/modules/forecasts/forecast-model.js';

const rounds = Number(process.argv[2] ?? 20);
const horizon = Number(process.argv[3] ?? 168);
const WEEK = 168;

function series(hours, seed) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return Array.from({ length: hours }, (_, i) => {
    const weekend = Math.floor(i / 24) % 7 >= 5 ? -10 : 0;
    return 100 + 30 * Math.sin((2 * Math.PI * i) / 24) + weekend + 0.02 * i + 4 * gauss();
  });
}

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

const mstl = await loadMstl();
const single = [];
const full = [];
const mapes = [];
let chosenWeekly = 0;
for (let r = 0; r < rounds + 2; r++) {
  const all = series(4 * WEEK + horizon, r + 1);
  const history = all.slice(0, 4 * WEEK);
  let t = performance.now();
  mstlModel(mstl, [24, WEEK])(history, horizon, 0.95);
  const oneFit = performance.now() - t;
  t = performance.now();
  const choice = chooseModel(mstl, history, horizon);
  const f = choice.fit(history, horizon, 0.95);
  const total = performance.now() - t;
  if (r < 2) continue; // warm-up: wasm compilation and JIT
  single.push(oneFit);
  full.push(total);
  mapes.push(forecastErrors(all.slice(4 * WEEK), f.point).mape);
  if (choice.periods.length === 2) chosenWeekly++;
}
const fmt = (xs) => `p50 ${quantile(xs, 0.5).toFixed(1)} ms, p95 ${quantile(xs, 0.95).toFixed(1)} ms`;
console.log(`series: 672 hourly points, horizon ${horizon} h, ${rounds} rounds`);
console.log(`one MSTL fit + predict (daily + weekly): ${fmt(single)}`);
console.log(`as the API does (2 backtests + final fit): ${fmt(full)}`);
console.log(
  `weekly chosen in ${chosenWeekly}/${rounds}; ${horizon}-h MAPE p50 ${quantile(mapes, 0.5).toFixed(2)} %, max ${Math.max(...mapes).toFixed(2)} %`,
);
