export { ConnectionTracker } from './connection-tracker';
export {
  type Http1Expect,
  Http1Parser,
  type Http1ParserListener,
  Http1RequestHead,
  MAX_PATH_CHARS,
} from './http1-parser';
export { HttpConnection, type PairingSink, responseStatusOf } from './http1-pairing';
export { HTTP1_METHODS } from './http1-start-line';
export { L7Counters } from './l7-counters';
export { PROTOCOL_SPECS, type ProtocolSpec } from './protocols/registry';
export { MAX_REQUEST_ID_HEADER_NAME, RequestIdHeaders } from './request-id-headers';
export {
  type ConnectionTrackerOptions,
  HTTP1_ERROR_REASONS,
  type Http1ErrorReason,
  type HttpRequestRecord,
  type HttpResponseStatus,
  L7_PROTOCOL_NAMES,
  type L7ProtocolName,
  type L7Record,
  type L7Stats,
} from './types';
export { httpEndpoint } from './url-endpoint';
