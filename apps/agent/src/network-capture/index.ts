export { FlowTable, type FlowTableCounters, type FlowTableOptions } from './flow-table';
export { NetworkCaptureService, type PacketSource } from './network-capture-service';
export { NetworkPipeline, type NetworkPipelineCounters } from './network-pipeline';
export * from './tcp-decoder';
