/*
 * net-errors: Node socket errors as brainstem reason codes.
 *
 * Theory of operation: the session escalates (network restart, reboot request) only on
 * network-level evidence and merely backs off on peer-level evidence (src/session/evidence.ts),
 * so the host must say which one a socket failure was. Node reports the OS's errno name in
 * `err.code`; this table maps it. A timeout before the socket opened is a connect timeout
 * (network-level); after it opened, the same errno is only "the link died" (no evidence).
 * Anything unknown (TLS verification, for one) is TRANSPORT_ERROR.
 */
import { Err } from "../../src/errors";

/** [errno names, code before the socket opened, code after]. */
export const nodeErrorTable: ReadonlyArray<readonly [readonly string[], number, number]> = [
  [["ECONNREFUSED"], Err.PEER_REFUSED, Err.PEER_REFUSED],
  [["ECONNRESET", "EPIPE", "ECONNABORTED"], Err.PEER_RESET, Err.PEER_RESET],
  [["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL"], Err.NET_DNS, Err.NET_DNS],
  [["EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN"], Err.NET_UNREACHABLE, Err.NET_UNREACHABLE],
  [["ENETDOWN", "EADDRNOTAVAIL"], Err.NET_DOWN, Err.NET_DOWN],
  [["ETIMEDOUT"], Err.NET_CONNECT_TIMEOUT, Err.TRANSPORT_ERROR],
];

/** The reason code for a Node socket error code; `opened` tells whether the socket had connected. */
export function reasonFromNodeError(code: string | undefined, opened: boolean): number {
  if (code !== undefined) {
    for (const [names, before, after] of nodeErrorTable) if (names.includes(code)) return opened ? after : before;
  }
  return Err.TRANSPORT_ERROR;
}
