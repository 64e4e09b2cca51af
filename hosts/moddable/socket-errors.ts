/*
 * socket-errors: the reason code of a failed or lost Moddable TCP socket, from what the host
 * can observe.
 *
 * Theory of operation: the session escalates only on network-level evidence (no IP, Wi-Fi
 * down, DNS failure, host unreachable, connect timeout) and only backs off on peer-level
 * evidence (refused, reset, closed), so the host must say which one a failure was
 * (src/session/evidence.ts). Moddable's ECMA-419 socket gives no errno: `onError` takes no
 * argument, on Linux (select) and on lwip (ESP32, Pico W) alike. What the host does know:
 *   - whether its network supervisor reports the network up (Wi-Fi joined, IP address held);
 *   - whether the socket had opened (its first onWritable) before the error;
 *   - how long after the connect started the error came;
 *   - whether the TCP constructor threw, and its message: lwip throws "connect error" when
 *     tcp_connect fails at once, which happens when there is no route to the host.
 * From these, in order: network down -> NET_DOWN; an error after the socket opened -> the peer
 * closed or reset the link, TRANSPORT_CLOSED (peer-level; which of the two is not visible);
 * the constructor threw "connect error" -> NET_UNREACHABLE, anything else it threw (no
 * memory, no socket) -> TRANSPORT_ERROR (no evidence either way); an error before the socket
 * opened that came within CONNECT_ANSWER_MS -> PEER_REFUSED, because an immediate failure is
 * an answer from the host (a reset to our SYN), which proves the network works; one that came
 * later -> NET_CONNECT_TIMEOUT: the stack gave up after retrying a SYN that nobody answered.
 * A host name that does not resolve is NET_DNS (transport.ts). Pure and setup-free, so it is
 * tested on V8 and XS.
 */
import { Err } from "../../src/errors";

/** Longest a refusal takes to come back, ms: a reset answers the SYN within a round trip. */
export const CONNECT_ANSWER_MS = 5000;

/** How the socket failed. */
export const SocketFailure = Object.freeze({
  /** onError before or after the socket opened. */
  Error: 0,
  /** The TCP constructor threw (its message is passed along). */
  Thrown: 1,
} as const);

/**
 * The reason code for a socket failure: `failure` a SocketFailure, `networkUp` the network
 * supervisor's state, `opened` whether the socket had opened, `elapsedMs` since the connect
 * started, `thrown` the constructor's error message ("" otherwise).
 */
export function socketFailureCode(failure: number, networkUp: boolean, opened: boolean, elapsedMs: number, thrown: string): number {
  if (!networkUp) return Err.NetDown;
  if (opened) return Err.TransportClosed;
  if (failure === SocketFailure.Thrown) return thrown.indexOf("connect error") >= 0 ? Err.NetUnreachable : Err.TransportError;
  return elapsedMs < CONNECT_ANSWER_MS ? Err.PeerRefused : Err.NetConnectTimeout;
}
