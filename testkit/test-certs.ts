/*
 * test-certs: a throwaway certificate authority and a server certificate for 127.0.0.1, made
 * with openssl for the TLS tests.
 *
 * Theory of operation: `writeTestCerts(dir)` creates a CA, signs a server certificate whose
 * subjectAltName is IP:127.0.0.1 and DNS:localhost, and then deletes the CA's private key and
 * the signing leftovers (CSR, serial, extension file): nothing after that can sign with this
 * CA, and what stays in dir is only what a TLS broker and its clients need (ca.crt,
 * server.crt, server.key). The files are made readable by every user, because Mosquitto
 * started as root drops to the "mosquitto" user before it reads them. The caller owns dir and
 * removes it (testkit/temp-dir.ts).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCerts {
  caFile: string;
  certFile: string;
  keyFile: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

export function writeTestCerts(dir: string): TestCerts {
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=brainstem test CA", "-keyout", "ca.key", "-out", "ca.crt"], dir);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"], dir);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt"], dir);
  for (const leftover of ["ca.key", "ca.srl", "server.csr", "san.ext"]) rmSync(join(dir, leftover), { force: true });
  chmodSync(dir, 0o755);
  const certs = { caFile: join(dir, "ca.crt"), certFile: join(dir, "server.crt"), keyFile: join(dir, "server.key") };
  for (const f of Object.values(certs)) chmodSync(f, 0o644);
  return certs;
}
