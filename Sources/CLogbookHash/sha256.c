#include "CLogbookHash.h"

#if defined(__x86_64__)

#include <cpuid.h>
#include <immintrin.h>

int logbook_cpu_has_sha_ni(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    int sse41 = (ecx & (1u << 19)) != 0;
    int ssse3 = (ecx & (1u << 9)) != 0;
    if (!sse41 || !ssse3) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    return (ebx & (1u << 29)) ? 1 : 0; /* SHA */
}

static const uint32_t K256[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Four rounds with message words `msg` (W[4i..4i+3]). */
#define ROUNDS4(msg, i)                                                        \
    do {                                                                       \
        __m128i m_ = _mm_add_epi32((msg),                                      \
            _mm_load_si128((const __m128i *)&K256[4 * (i)]));                  \
        state1 = _mm_sha256rnds2_epu32(state1, state0, m_);                    \
        m_ = _mm_shuffle_epi32(m_, 0x0E);                                      \
        state0 = _mm_sha256rnds2_epu32(state0, state1, m_);                    \
    } while (0)

/* W[t..t+3] from w_a = W[t-16..], w_b = W[t-12..], w_c = W[t-8..], w_d = W[t-4..]. */
#define SCHEDULE(w_a, w_b, w_c, w_d)                                           \
    _mm_sha256msg2_epu32(                                                      \
        _mm_add_epi32(_mm_sha256msg1_epu32((w_a), (w_b)),                      \
                      _mm_alignr_epi8((w_d), (w_c), 4)),                       \
        (w_d))

__attribute__((target("sha,sse4.1,ssse3")))
void logbook_sha256_hw_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    const __m128i shuf = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);

    /* H0..H7 -> ABEF / CDGH register layout expected by sha256rnds2. */
    __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);    /* DCBA */
    __m128i state1 = _mm_loadu_si128((const __m128i *)&state[4]); /* HGFE */
    tmp = _mm_shuffle_epi32(tmp, 0xB1);                           /* CDAB */
    state1 = _mm_shuffle_epi32(state1, 0x1B);                     /* EFGH */
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);             /* ABEF */
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);                  /* CDGH */

    while (blocks-- > 0) {
        const __m128i abef_save = state0;
        const __m128i cdgh_save = state1;

        __m128i w0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 0)), shuf);
        __m128i w1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16)), shuf);
        __m128i w2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 32)), shuf);
        __m128i w3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 48)), shuf);

        ROUNDS4(w0, 0);
        ROUNDS4(w1, 1);
        ROUNDS4(w2, 2);
        ROUNDS4(w3, 3);
        w0 = SCHEDULE(w0, w1, w2, w3); ROUNDS4(w0, 4);
        w1 = SCHEDULE(w1, w2, w3, w0); ROUNDS4(w1, 5);
        w2 = SCHEDULE(w2, w3, w0, w1); ROUNDS4(w2, 6);
        w3 = SCHEDULE(w3, w0, w1, w2); ROUNDS4(w3, 7);
        w0 = SCHEDULE(w0, w1, w2, w3); ROUNDS4(w0, 8);
        w1 = SCHEDULE(w1, w2, w3, w0); ROUNDS4(w1, 9);
        w2 = SCHEDULE(w2, w3, w0, w1); ROUNDS4(w2, 10);
        w3 = SCHEDULE(w3, w0, w1, w2); ROUNDS4(w3, 11);
        w0 = SCHEDULE(w0, w1, w2, w3); ROUNDS4(w0, 12);
        w1 = SCHEDULE(w1, w2, w3, w0); ROUNDS4(w1, 13);
        w2 = SCHEDULE(w2, w3, w0, w1); ROUNDS4(w2, 14);
        w3 = SCHEDULE(w3, w0, w1, w2); ROUNDS4(w3, 15);

        state0 = _mm_add_epi32(state0, abef_save);
        state1 = _mm_add_epi32(state1, cdgh_save);
        data += 64;
    }

    /* ABEF / CDGH -> H0..H7. */
    tmp = _mm_shuffle_epi32(state0, 0x1B);         /* FEBA */
    state1 = _mm_shuffle_epi32(state1, 0xB1);      /* DCHG */
    state0 = _mm_blend_epi16(tmp, state1, 0xF0);   /* DCBA */
    state1 = _mm_alignr_epi8(state1, tmp, 8);      /* HGFE */
    _mm_storeu_si128((__m128i *)&state[0], state0);
    _mm_storeu_si128((__m128i *)&state[4], state1);
}

/* Two independent message streams compressed together: sha256rnds2 has a latency of several cycles and a
   throughput of about one per cycle or two, so the rounds of one message fill the other's wait. Each macro does
   for both streams what ROUNDS4 / SCHEDULE do for one. */
#define ROUNDS4_X2(ma, mb, i)                                                  \
    do {                                                                       \
        const __m128i k_ = _mm_load_si128((const __m128i *)&K256[4 * (i)]);   \
        __m128i a_ = _mm_add_epi32((ma), k_);                                  \
        __m128i b_ = _mm_add_epi32((mb), k_);                                  \
        a1 = _mm_sha256rnds2_epu32(a1, a0, a_);                                \
        b1 = _mm_sha256rnds2_epu32(b1, b0, b_);                                \
        a_ = _mm_shuffle_epi32(a_, 0x0E);                                      \
        b_ = _mm_shuffle_epi32(b_, 0x0E);                                      \
        a0 = _mm_sha256rnds2_epu32(a0, a1, a_);                                \
        b0 = _mm_sha256rnds2_epu32(b0, b1, b_);                                \
    } while (0)

__attribute__((target("sha,sse4.1,ssse3")))
static inline void to_abef_cdgh(const uint32_t state[8], __m128i *abef, __m128i *cdgh) {
    __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);    /* DCBA */
    __m128i s1 = _mm_loadu_si128((const __m128i *)&state[4]);     /* HGFE */
    tmp = _mm_shuffle_epi32(tmp, 0xB1);                           /* CDAB */
    s1 = _mm_shuffle_epi32(s1, 0x1B);                             /* EFGH */
    *abef = _mm_alignr_epi8(tmp, s1, 8);                          /* ABEF */
    *cdgh = _mm_blend_epi16(s1, tmp, 0xF0);                       /* CDGH */
}

__attribute__((target("sha,sse4.1,ssse3")))
static inline void from_abef_cdgh(uint32_t state[8], __m128i abef, __m128i cdgh) {
    __m128i tmp = _mm_shuffle_epi32(abef, 0x1B);                  /* FEBA */
    __m128i s1 = _mm_shuffle_epi32(cdgh, 0xB1);                   /* DCHG */
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(tmp, s1, 0xF0)); /* DCBA */
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(s1, tmp, 8));    /* HGFE */
}

__attribute__((target("sha,sse4.1,ssse3")))
void logbook_sha256_hw_blocks_x2(uint32_t state_a[8], const uint8_t *data_a,
                                 uint32_t state_b[8], const uint8_t *data_b, size_t blocks) {
    const __m128i shuf = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i a0, a1, b0, b1;
    to_abef_cdgh(state_a, &a0, &a1);
    to_abef_cdgh(state_b, &b0, &b1);

    while (blocks-- > 0) {
        const __m128i a0_save = a0, a1_save = a1, b0_save = b0, b1_save = b1;
        __m128i wa0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data_a + 0)), shuf);
        __m128i wa1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data_a + 16)), shuf);
        __m128i wa2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data_a + 32)), shuf);
        __m128i wa3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data_a + 48)), shuf);
        __m128i wb0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data_b + 0)), shuf);
        __m128i wb1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data_b + 16)), shuf);
        __m128i wb2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data_b + 32)), shuf);
        __m128i wb3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data_b + 48)), shuf);

        ROUNDS4_X2(wa0, wb0, 0);
        ROUNDS4_X2(wa1, wb1, 1);
        ROUNDS4_X2(wa2, wb2, 2);
        ROUNDS4_X2(wa3, wb3, 3);
#define STEP_X2(x0, x1, x2, x3, i)                                             \
        wa##x0 = SCHEDULE(wa##x0, wa##x1, wa##x2, wa##x3);                    \
        wb##x0 = SCHEDULE(wb##x0, wb##x1, wb##x2, wb##x3);                    \
        ROUNDS4_X2(wa##x0, wb##x0, i)
        STEP_X2(0, 1, 2, 3, 4);  STEP_X2(1, 2, 3, 0, 5);  STEP_X2(2, 3, 0, 1, 6);  STEP_X2(3, 0, 1, 2, 7);
        STEP_X2(0, 1, 2, 3, 8);  STEP_X2(1, 2, 3, 0, 9);  STEP_X2(2, 3, 0, 1, 10); STEP_X2(3, 0, 1, 2, 11);
        STEP_X2(0, 1, 2, 3, 12); STEP_X2(1, 2, 3, 0, 13); STEP_X2(2, 3, 0, 1, 14); STEP_X2(3, 0, 1, 2, 15);
#undef STEP_X2

        a0 = _mm_add_epi32(a0, a0_save);
        a1 = _mm_add_epi32(a1, a1_save);
        b0 = _mm_add_epi32(b0, b0_save);
        b1 = _mm_add_epi32(b1, b1_save);
        data_a += 64;
        data_b += 64;
    }
    from_abef_cdgh(state_a, a0, a1);
    from_abef_cdgh(state_b, b0, b1);
}

#else /* !__x86_64__ */

int logbook_cpu_has_sha_ni(void) { return 0; }

void logbook_sha256_hw_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    (void)state; (void)data; (void)blocks;
    __builtin_trap(); /* never called: logbook_cpu_has_sha_ni() is 0 here */
}

void logbook_sha256_hw_blocks_x2(uint32_t state_a[8], const uint8_t *data_a,
                                 uint32_t state_b[8], const uint8_t *data_b, size_t blocks) {
    (void)state_a; (void)data_a; (void)state_b; (void)data_b; (void)blocks;
    __builtin_trap(); /* never called: logbook_cpu_has_sha_ni() is 0 here */
}

#endif
