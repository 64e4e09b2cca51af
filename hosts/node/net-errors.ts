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
  [["ECONNREFUSED"], Err.PeerRefused, Err.PeerRefused],
  [["ECONNRESET", "EPIPE", "ECONNABORTED"], Err.PeerReset, Err.PeerReset],
  [["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL"], Err.NetDns, Err.NetDns],
  [["EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN"], Err.NetUnreachable, Err.NetUnreachable],
  [["ENETDOWN", "EADDRNOTAVAIL"], Err.NetDown, Err.NetDown],
  [["ETIMEDOUT"], Err.NetConnectTimeout, Err.TransportError],
];

/** The reason code for a Node socket error code; `opened` tells whether the socket had connected. */
export function reasonFromNodeError(code: string | undefined, opened: boolean): number {
  if (code !== undefined) {
    for (const [names, before, after] of nodeErrorTable) if (names.includes(code)) return opened ? after : before;
  }
  return Err.TransportError;
}
