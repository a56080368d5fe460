export { FlowAccountant, type FlowAccountantStats, flowIdOf } from './flow-accountant';
export {
  FLOW_PAIRS_PER_BATCH,
  FLOW_ROWS_PER_BATCH,
  FLOW_STREAM,
  FlowShipper,
  type FlowShipperStats,
} from './flow-shipper';
export { PairAggregator, type PairAggregatorStats, type PairSample } from './pair-aggregator';
export { type FlowSource, type L4Counters, L4FlowService, type L4ServiceOptions } from './l4-service';
