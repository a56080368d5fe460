import type { SocketEvent } from '@bathyscope/native';
import type { L7ProtocolName } from '../types';
import type { ProtocolSession, SessionSink } from './exchange-session';

/** One protocol the tracker can recognise from a connection's bytes. */
export interface ProtocolSpec {
  readonly protocol: L7ProtocolName;
  /**
   * A cheap, strict look at one chunk (the captured prefix of one syscall; `totalLen` is what the syscall moved):
   * does it start a request or a response of this protocol? Must not throw on any input, and must reject random
   * bytes and other protocols' messages (HTTP/1 start lines above all) with near certainty.
   */
  detect(data: Buffer, totalLen: number): 'request' | 'response' | null;
  /** The session for a connection whose requests travel in `requestDirection`. */
  create(
    pid: number,
    fd: number,
    first: SocketEvent,
    requestDirection: 'egress' | 'ingress',
    sink: SessionSink,
  ): ProtocolSession;
}
