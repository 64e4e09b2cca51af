/*
 * hosts/moddable/socket-errors.ts: the reason code of each Moddable socket failure, and the
 * evidence class the session gives it (src/session/evidence.ts), on V8 and on XS.
 *
 * Vectors: [failure, network up, socket had opened, ms since the connect started, the
 * constructor's message, the code, the class]. A refused connect (an immediate error) is
 * peer-level and never escalates; a network that is down, a connect that nobody answers and a
 * host with no route are network-level and escalate; a link that was open and then closed is
 * peer-level; a socket the stack could not make is no evidence.
 */
import { CONNECT_ANSWER_MS, SocketFailure, socketFailureCode } from "../../hosts/moddable/socket-errors";
import { Err, errorName } from "../../src/errors";
import { Cause, causeNames, causeOf } from "../../src/session/evidence";
import type { Check } from "../helpers/suite";

const { Error: E, Thrown: T } = SocketFailure;
const NET = Cause.Network;
const PEER = Cause.Peer;
const NONE = Cause.None;

const VECTORS: [failure: number, up: boolean, opened: boolean, elapsedMs: number, thrown: string, code: number, cause: number][] = [
  // Refused: the host answered the SYN with a reset at once (nothing listens on the port).
  [E, true, false, 0, "", Err.PeerRefused, PEER],
  [E, true, false, 3, "", Err.PeerRefused, PEER],
  [E, true, false, CONNECT_ANSWER_MS - 1, "", Err.PeerRefused, PEER],
  // No answer: the stack gave up on the SYN.
  [E, true, false, CONNECT_ANSWER_MS, "", Err.NetConnectTimeout, NET],
  [E, true, false, 21_000, "", Err.NetConnectTimeout, NET],
  // An open link that failed: the peer closed or reset it.
  [E, true, true, 2, "", Err.TransportClosed, PEER],
  [E, true, true, 600_000, "", Err.TransportClosed, PEER],
  // The network is down, whatever else happened.
  [E, false, false, 0, "", Err.NetDown, NET],
  [E, false, true, 90_000, "", Err.NetDown, NET],
  [T, false, false, 0, "connect error", Err.NetDown, NET],
  // lwip's tcp_connect failed at once: no route to the host.
  [T, true, false, 0, "connect error", Err.NetUnreachable, NET],
  // The stack could not make a socket: no evidence about the network or the peer.
  [T, true, false, 0, "no memory", Err.TransportError, NONE],
  [T, true, false, 0, "no socket", Err.TransportError, NONE],
  [T, true, false, 0, "invalid address", Err.TransportError, NONE],
];

export function run(check: Check): void {
  for (const [failure, up, opened, elapsedMs, thrown, code, cause] of VECTORS) {
    const what = `${failure === E ? "onError" : `threw ${JSON.stringify(thrown)}`}, network ${up ? "up" : "down"}, ${opened ? "opened" : "not opened"}, after ${elapsedMs} ms`;
    const got = socketFailureCode(failure, up, opened, elapsedMs, thrown);
    check.is(errorName(got), errorName(code), `${what}: code`);
    check.is(causeNames[causeOf(got)], causeNames[cause], `${what}: ${errorName(got)} is ${causeNames[cause]}-level evidence`);
  }
}
