#include "CLogbookHash.h"

#if defined(__x86_64__)

#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>
#include <string.h>

int logbook_cpu_has_crc32c(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & (1u << 20)) ? 1 : 0; /* SSE4.2 */
}

/* PCLMULQDQ (leaf 1, ECX bit 1) is only needed for the 3-way combine step.
 * Cached: 0 = unknown, 1 = absent, 2 = present. Benign race, relaxed atomics. */
static _Atomic int logbook_pclmul_state = 0;

static int logbook_cpu_has_pclmul(void) {
    int s = atomic_load_explicit(&logbook_pclmul_state, memory_order_relaxed);
    if (__builtin_expect(s != 0, 1)) return s == 2;
    unsigned int eax, ebx, ecx, edx;
    int has = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 1));
    atomic_store_explicit(&logbook_pclmul_state, has ? 2 : 1, memory_order_relaxed);
    return has;
}

static inline uint64_t load_u64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Shift constants: K(n) = x^(8n - 33) mod P (reflected), so that
 * crc32_u64(0, clmul(c, K(n))) == c * x^(8n) mod P. */
#define LONG_BLOCK 8192
#define SHORT_BLOCK 256
#define K_LONG_2 0x1dc403ccu  /* n = 2 * LONG_BLOCK  */
#define K_LONG_1 0x54a86326u  /* n = LONG_BLOCK      */
#define K_SHORT_2 0xdd7e3b0cu /* n = 2 * SHORT_BLOCK */
#define K_SHORT_1 0xb9e02b86u /* n = SHORT_BLOCK     */

__attribute__((target("sse4.2,pclmul")))
static inline uint64_t combine3(uint64_t c0, uint64_t c1, uint64_t c2,
                                uint32_t k2, uint32_t k1) {
    __m128i a = _mm_clmulepi64_si128(_mm_cvtsi32_si128((int)(uint32_t)c0),
                                     _mm_cvtsi32_si128((int)k2), 0x00);
    __m128i b = _mm_clmulepi64_si128(_mm_cvtsi32_si128((int)(uint32_t)c1),
                                     _mm_cvtsi32_si128((int)k1), 0x00);
    uint64_t t = (uint64_t)_mm_cvtsi128_si64(_mm_xor_si128(a, b));
    return _mm_crc32_u64(0, t) ^ c2;
}

/* Processes as many 3*block chunks as fit; three independent crc32q chains
 * hide the 3-cycle instruction latency. */
#define THREE_WAY(BLOCK, K2, K1)                                               \
    while (length >= 3 * (size_t)(BLOCK)) {                                    \
        uint64_t c0 = c, c1 = 0, c2 = 0;                                       \
        const uint8_t *end = p + (BLOCK);                                      \
        do {                                                                   \
            c0 = _mm_crc32_u64(c0, load_u64(p));                               \
            c1 = _mm_crc32_u64(c1, load_u64(p + (BLOCK)));                     \
            c2 = _mm_crc32_u64(c2, load_u64(p + 2 * (BLOCK)));                 \
            p += 8;                                                            \
        } while (p < end);                                                     \
        c = combine3(c0, c1, c2, (K2), (K1));                                  \
        p += 2 * (BLOCK);                                                      \
        length -= 3 * (size_t)(BLOCK);                                         \
    }

__attribute__((target("sse4.2,pclmul")))
static uint64_t crc32c_3way(uint64_t c, const uint8_t **pp, size_t *plength) {
    const uint8_t *p = *pp;
    size_t length = *plength;
    THREE_WAY(LONG_BLOCK, K_LONG_2, K_LONG_1)
    THREE_WAY(SHORT_BLOCK, K_SHORT_2, K_SHORT_1)
    *pp = p;
    *plength = length;
    return c;
}

__attribute__((target("sse4.2")))
uint32_t logbook_crc32c_hw(uint32_t crc, const void *data, size_t length) {
    const uint8_t *p = (const uint8_t *)data;
    uint64_t c = crc;
    if (length == 0) return crc;

    /* Unaligned head: bring p to an 8-byte boundary. */
    while (length > 0 && ((uintptr_t)p & 7) != 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        length--;
    }

    if (length >= 3 * SHORT_BLOCK && logbook_cpu_has_pclmul()) {
        c = crc32c_3way(c, &p, &length);
    }

    while (length >= 32) {
        c = _mm_crc32_u64(c, load_u64(p));
        c = _mm_crc32_u64(c, load_u64(p + 8));
        c = _mm_crc32_u64(c, load_u64(p + 16));
        c = _mm_crc32_u64(c, load_u64(p + 24));
        p += 32;
        length -= 32;
    }
    while (length >= 8) {
        c = _mm_crc32_u64(c, load_u64(p));
        p += 8;
        length -= 8;
    }
    /* Tail bytes. */
    while (length > 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        length--;
    }
    return (uint32_t)c;
}

#else /* !__x86_64__ */

int logbook_cpu_has_crc32c(void) { return 0; }

uint32_t logbook_crc32c_hw(uint32_t crc, const void *data, size_t length) {
    (void)crc; (void)data; (void)length;
    __builtin_trap(); /* never called: logbook_cpu_has_crc32c() is 0 here */
}

#endif
