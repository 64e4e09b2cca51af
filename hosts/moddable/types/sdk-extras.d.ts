/*
 * sdk-extras: declarations for Moddable SDK modules that the npm package @moddable/typings
 * (5.6) does not cover yet but the SDK's own typings do. Used only by `npm run typecheck`
 * (hosts/moddable/tsconfig.json); an mcconfig build type-checks against $MODDABLE/typings.
 * They mirror the SDK's declarations (typings/crypt.d.ts, typings/embedded_network/interface/wifi.d.ts).
 */

declare module "crypt" {
  type DigestType = "MD5" | "SHA1" | "SHA224" | "SHA256" | "SHA384" | "SHA512";
  export class Digest {
    constructor(type: DigestType);
    write(message: string | ArrayBuffer): void;
    close(): ArrayBuffer;
    reset(): void;
    get blockSize(): number;
    get outputSize(): number;
    update(message: string | ArrayBuffer): void;
  }
}

declare module "embedded:network/interface/wifi" {
  export type WiFiChangedProperty = "connection" | "address";
  export interface WiFiConstructorOptions {
    port?: number;
    onChanged?: (property: WiFiChangedProperty) => void;
  }
  export interface WiFiConnectOptions {
    SSID: string;
    password?: string;
  }
  class WiFi {
    constructor(options: WiFiConstructorOptions);
    close(): void;
    connect(options: WiFiConnectOptions): void;
    disconnect(): void;
    readonly connection: number;
    readonly address: string | undefined;
    readonly MAC: string | undefined;
    readonly SSID: string | undefined;
    readonly RSSI: number | undefined;
  }
  export default WiFi;
}
