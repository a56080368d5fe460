export { HostMetricsCollector } from './host-metrics-collector';
export { HostMetricsService } from './host-metrics-service';
export { HOST_METRICS_STREAM, HostMetricsShipper } from './host-metrics-shipper';
