/*
 * The two things the Moddable SDK's fips180.c takes from xsPlatform.h, for compiling it
 * outside a Moddable build (the host test of hosts/moddable/native, the bare RP2040 benchmark):
 * a read-only-data section attribute (none here) and c_memcpy.
 */
#ifndef BS_XS_PLATFORM_SHIM_H
#define BS_XS_PLATFORM_SHIM_H
#include <string.h>
#define ICACHE_XS6RO_ATTR
#define c_memcpy memcpy
#endif
