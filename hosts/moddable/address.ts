/*
 * address: tells an IPv4 literal from a host name, so the transport skips DNS for literals.
 *
 * Theory of operation: a char loop (no RegExp, nothing allocated) accepts four dot-separated
 * groups of one to three decimal digits, each at most 255. Anything else is a name for the
 * resolver. Pure: it runs and is tested on any engine.
 */

/** True for a dotted-quad IPv4 literal such as "192.168.1.20". */
export function isIpv4Literal(host: string): boolean {
  let groups = 1;
  let digits = 0;
  let value = 0;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++groups > 4) return false;
      digits = 0;
      value = 0;
    } else if (c < 48 || c > 57 || ++digits > 3) return false;
    else if ((value = value * 10 + c - 48) > 255) return false;
  }
  return groups === 4 && digits > 0;
}
