#ifndef CLOGBOOK_HASH_H
#define CLOGBOOK_HASH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Returns 1 when the CPU supports the SSE4.2 `crc32` instruction
/// (CPUID leaf 1, ECX bit 20), 0 otherwise (always 0 off x86_64).
int logbook_cpu_has_crc32c(void);

/// Returns 1 when the CPU supports the SHA extensions (CPUID leaf 7/0,
/// EBX bit 29) together with SSE4.1 and SSSE3, 0 otherwise (always 0 off
/// x86_64).
int logbook_cpu_has_sha_ni(void);

/// Raw CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) register update
/// using SSE4.2 `crc32` instructions.
///
/// NO pre- or post-inversion is performed: `crc` is the raw register value and
/// the raw register value is returned. For a standard CRC-32C pass `~previous`
/// (i.e. 0xFFFFFFFF for a fresh checksum) and invert the result.
///
/// Large inputs are processed as three interleaved streams recombined with
/// PCLMULQDQ when the CPU has it. `data` may be unaligned and may be NULL when
/// `length` is 0.
///
/// Only call when `logbook_cpu_has_crc32c()` returned 1. On non-x86_64 builds
/// this traps.
uint32_t logbook_crc32c_hw(uint32_t crc, const void *data, size_t length);

/// SHA-256 compression of `blocks` whole 64-byte blocks using the x86 SHA
/// extensions. `state` holds the eight working words H0..H7 in host order.
/// `data` may be unaligned.
///
/// Only call when `logbook_cpu_has_sha_ni()` returned 1. On non-x86_64 builds
/// this traps.
void logbook_sha256_hw_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// Two independent SHA-256 compressions at once: `blocks` 64-byte blocks of
/// `data_a` into `state_a` and as many of `data_b` into `state_b`, their
/// rounds interleaved (each stream's result equals that of
/// `logbook_sha256_hw_blocks`). About twice the throughput of two calls for
/// short messages.
///
/// Only call when `logbook_cpu_has_sha_ni()` returned 1. On non-x86_64 builds
/// this traps.
void logbook_sha256_hw_blocks_x2(uint32_t state_a[8], const uint8_t *data_a,
                                 uint32_t state_b[8], const uint8_t *data_b, size_t blocks);

#ifdef __cplusplus
}
#endif

#endif /* CLOGBOOK_HASH_H */
