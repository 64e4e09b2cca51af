/*
 * evidence: what a failure to reach the brain says about where the fault is.
 *
 * Theory of operation: every loss and every failed connection attempt carries a reason code
 * (errors.ts). `causeOf` sorts it into one of three classes:
 *   - Network: the device cannot reach the broker's host at all: no IP / Wi-Fi down, DNS
 *     failure, host or network unreachable, a TCP connect that got no answer. Only this class
 *     escalates (network restart, then a reboot request): restarting the Wi-Fi can fix it.
 *   - Peer: the network works and something answered: a refused or reset connection, a
 *     CONNACK refusal, a broker that closed the link, a brain that is silent while the broker
 *     answers, a rejection, a malformed packet. Restarting our network cannot fix any of it,
 *     so it only backs off (capped, full jitter), for as long as it takes; it also proves that
 *     the network is back, so it clears the network escalation.
 *   - None: no evidence either way (a heartbeat or silent-link timeout, a local action
 *     failure, an unclassified transport error): backs off, neither escalates nor clears.
 * Hosts must report socket failures with the NET_* and PEER_* codes; see docs/architecture.md.
 */
import { Err, isRemoteError } from "../errors";

export const Cause = { None: 0, Network: 1, Peer: 2 } as const;

export const causeNames: readonly string[] = ["other", "network", "peer"];

/** The evidence class of a reason code (Err.*; 0 = no reason). */
export function causeOf(reason: number): number {
  switch (reason) {
    case Err.NetDown:
    case Err.NetDns:
    case Err.NetUnreachable:
    case Err.NetConnectTimeout:
      return Cause.Network;
    case Err.TimeoutHeartbeat:
    case Err.TimeoutSilentLink:
    case Err.TransportError:
      return Cause.None;
  }
  return reason < 0 && isRemoteError(reason) ? Cause.Peer : Cause.None;
}
