/*
 * Native SHA-256d scan kernel for Hearth (N-API, so one build serves Node and Electron).
 * scan(header80, threshold, start, count, out) hashes nonces start..start+count-1 of an 80-byte
 * block header and writes to `out` those whose top hash word (byte-swapped last word of the
 * second hash) is <= threshold; the caller re-checks every candidate against the full target.
 * The midstate of the first 64 bytes is computed once per call. Run-time dispatch to the
 * best path this CPU has: AVX-512 (16 lanes), SHA extensions (two nonces interleaved), AVX2
 * (8 lanes), portable C.
 */
#include <stdint.h>
#include <string.h>
#include <node_api.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HEARTH_X86 1
#endif

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
static const uint32_t IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static inline uint32_t be32(const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }
static inline uint32_t bswap32(uint32_t x) { return __builtin_bswap32(x); }

/* Portable compression of one block given as 16 host-order words. */
static void compress_c(uint32_t s[8], const uint32_t m[16]) {
  uint32_t w[64];
  memcpy(w, m, 64);
  for (int t = 16; t < 64; t++) {
    uint32_t s0 = ROTR(w[t - 15], 7) ^ ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = ROTR(w[t - 2], 17) ^ ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
  for (int t = 0; t < 64; t++) {
    uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
    uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  s[0] += a; s[1] += b; s[2] += c; s[3] += d; s[4] += e; s[5] += f; s[6] += g; s[7] += h;
}

static uint32_t scan_c(const uint32_t mid[8], const uint32_t tail[3], uint32_t threshold, uint32_t start, uint32_t count, uint32_t *out, uint32_t cap) {
  uint32_t found = 0;
  uint32_t m1[16] = {tail[0], tail[1], tail[2], 0, 0x80000000u, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 640};
  uint32_t m2[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0x80000000u, 0, 0, 0, 0, 0, 0, 256};
  for (uint32_t i = 0; i < count; i++) {
    uint32_t nonce = start + i;
    uint32_t s[8];
    memcpy(s, mid, 32);
    m1[3] = bswap32(nonce);
    compress_c(s, m1);
    memcpy(m2, s, 32);
    memcpy(s, IV, 32);
    compress_c(s, m2);
    if (bswap32(s[7]) <= threshold && found < cap) out[found++] = nonce;
  }
  return found;
}

#ifdef HEARTH_X86
static int has_sha(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  int sha = (b >> 29) & 1;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  int sse41 = (c >> 19) & 1;
  return sha && sse41;
}

/*
 * Two independent compressions at once with the SHA extensions: the rounds instruction has a
 * latency of several cycles, so interleaving two nonces keeps the unit busy.
 */
#define TGT __attribute__((target("sha,sse4.1")))

TGT static inline void to_abef(const uint32_t s[8], __m128i *s0, __m128i *s1) {
  __m128i tmp = _mm_loadu_si128((const __m128i *)&s[0]);
  __m128i st1 = _mm_loadu_si128((const __m128i *)&s[4]);
  tmp = _mm_shuffle_epi32(tmp, 0xB1);
  st1 = _mm_shuffle_epi32(st1, 0x1B);
  *s0 = _mm_alignr_epi8(tmp, st1, 8);
  *s1 = _mm_blend_epi16(st1, tmp, 0xF0);
}

TGT static inline void from_abef(__m128i s0, __m128i s1, uint32_t s[8]) {
  __m128i tmp = _mm_shuffle_epi32(s0, 0x1B);
  s1 = _mm_shuffle_epi32(s1, 0xB1);
  _mm_storeu_si128((__m128i *)&s[0], _mm_blend_epi16(tmp, s1, 0xF0));
  _mm_storeu_si128((__m128i *)&s[4], _mm_alignr_epi8(s1, tmp, 8));
}

/* a*, b*: ABEF/CDGH states of two streams; ma, mb: 16 message words each (host order). */
TGT static inline void rounds_x2(__m128i *a0, __m128i *a1, __m128i *b0, __m128i *b1, const uint32_t *ma, const uint32_t *mb) {
  __m128i ga[4], gb[4];
  __m128i A0 = *a0, A1 = *a1, B0 = *b0, B1 = *b1;
#pragma GCC unroll 16
  for (int i = 0; i < 16; i++) {
    __m128i xa, xb;
    if (i < 4) {
      xa = _mm_loadu_si128((const __m128i *)&ma[4 * i]);
      xb = _mm_loadu_si128((const __m128i *)&mb[4 * i]);
    } else {
      xa = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(ga[i & 3], ga[(i + 1) & 3]), _mm_alignr_epi8(ga[(i + 3) & 3], ga[(i + 2) & 3], 4)), ga[(i + 3) & 3]);
      xb = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(gb[i & 3], gb[(i + 1) & 3]), _mm_alignr_epi8(gb[(i + 3) & 3], gb[(i + 2) & 3], 4)), gb[(i + 3) & 3]);
    }
    ga[i & 3] = xa;
    gb[i & 3] = xb;
    __m128i k = _mm_loadu_si128((const __m128i *)&K[4 * i]);
    __m128i ka = _mm_add_epi32(xa, k);
    __m128i kb = _mm_add_epi32(xb, k);
    A1 = _mm_sha256rnds2_epu32(A1, A0, ka);
    B1 = _mm_sha256rnds2_epu32(B1, B0, kb);
    A0 = _mm_sha256rnds2_epu32(A0, A1, _mm_shuffle_epi32(ka, 0x0E));
    B0 = _mm_sha256rnds2_epu32(B0, B1, _mm_shuffle_epi32(kb, 0x0E));
  }
  *a0 = A0; *a1 = A1; *b0 = B0; *b1 = B1;
}

TGT static uint32_t scan_sha(const uint32_t mid[8], const uint32_t tail[3], uint32_t threshold, uint32_t start, uint32_t count, uint32_t *out, uint32_t cap) {
  uint32_t found = 0;
  __m128i mid0, mid1, iv0, iv1;
  to_abef(mid, &mid0, &mid1);
  to_abef(IV, &iv0, &iv1);
  uint32_t ma[16] = {tail[0], tail[1], tail[2], 0, 0x80000000u, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 640};
  uint32_t mb[16];
  memcpy(mb, ma, 64);
  uint32_t ha[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0x80000000u, 0, 0, 0, 0, 0, 0, 256};
  uint32_t hb[16];
  memcpy(hb, ha, 64);
  for (uint32_t i = 0; i < count; i += 2) {
    uint32_t na = start + i, nb = start + i + 1;
    ma[3] = bswap32(na);
    mb[3] = bswap32(nb);
    __m128i a0 = mid0, a1 = mid1, b0 = mid0, b1 = mid1;
    rounds_x2(&a0, &a1, &b0, &b1, ma, mb);
    from_abef(_mm_add_epi32(a0, mid0), _mm_add_epi32(a1, mid1), ha);
    from_abef(_mm_add_epi32(b0, mid0), _mm_add_epi32(b1, mid1), hb);
    a0 = iv0; a1 = iv1; b0 = iv0; b1 = iv1;
    rounds_x2(&a0, &a1, &b0, &b1, ha, hb);
    uint32_t sa[8], sb[8];
    from_abef(_mm_add_epi32(a0, iv0), _mm_add_epi32(a1, iv1), sa);
    from_abef(_mm_add_epi32(b0, iv0), _mm_add_epi32(b1, iv1), sb);
    if (bswap32(sa[7]) <= threshold && found < cap) out[found++] = na;
    if (i + 1 < count && bswap32(sb[7]) <= threshold && found < cap) out[found++] = nb;
  }
  return found;
}

/* AVX-512 (F + BW): 16 lanes, native rotates and three-input logic. */
#define SCAN_NAME scan_avx512
#define TARGET __attribute__((target("avx512f,avx512bw")))
#define V __m512i
#define LANES 16
#define SET1(x) _mm512_set1_epi32((int)(x))
#define ADD(x, y) _mm512_add_epi32(x, y)
#define ROR(x, n) _mm512_ror_epi32(x, n)
#define SHR(x, n) _mm512_srli_epi32(x, n)
#define XOR3(x, y, z) _mm512_ternarylogic_epi32(x, y, z, 0x96)
#define CH(e, f, g) _mm512_ternarylogic_epi32(e, f, g, 0xCA)
#define MAJ(a, b, c) _mm512_ternarylogic_epi32(a, b, c, 0xE8)
#define BSWAP(x) _mm512_shuffle_epi8(x, _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203))
#define LANE_INDEX _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#define LE_MASK(x, t) ((uint32_t)_mm512_cmple_epu32_mask(x, t))
#include "scan-vec.h"
#undef SCAN_NAME
#undef TARGET
#undef V
#undef LANES
#undef SET1
#undef ADD
#undef ROR
#undef SHR
#undef XOR3
#undef CH
#undef MAJ
#undef BSWAP
#undef LANE_INDEX
#undef LE_MASK

/* AVX2: 8 lanes; rotates are two shifts and an or. */
#define SCAN_NAME scan_avx2
#define TARGET __attribute__((target("avx2")))
#define V __m256i
#define LANES 8
#define SET1(x) _mm256_set1_epi32((int)(x))
#define ADD(x, y) _mm256_add_epi32(x, y)
#define ROR(x, n) _mm256_or_si256(_mm256_srli_epi32(x, n), _mm256_slli_epi32(x, 32 - (n)))
#define SHR(x, n) _mm256_srli_epi32(x, n)
#define XOR3(x, y, z) _mm256_xor_si256(_mm256_xor_si256(x, y), z)
#define CH(e, f, g) _mm256_xor_si256(_mm256_and_si256(e, f), _mm256_andnot_si256(e, g))
#define MAJ(a, b, c) _mm256_or_si256(_mm256_and_si256(a, b), _mm256_and_si256(c, _mm256_or_si256(a, b)))
#define BSWAP(x) _mm256_shuffle_epi8(x, _mm256_set_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203, 0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203))
#define LANE_INDEX _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)
#define LE_MASK(x, t) ((uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_min_epu32(x, t), x))))
#include "scan-vec.h"
#undef SCAN_NAME
#undef TARGET
#undef V
#undef LANES
#undef SET1
#undef ADD
#undef ROR
#undef SHR
#undef XOR3
#undef CH
#undef MAJ
#undef BSWAP
#undef LANE_INDEX
#undef LE_MASK

static int has_avx2(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
static int has_avx512(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}
#endif

/* Paths in order of preference (measured on an AMD EPYC with all four: see BENCHMARKS.md). */
enum path { PATH_C, PATH_SHA, PATH_AVX2, PATH_AVX512 };
static const char *PATH_NAMES[] = {"c", "sha-ni", "avx2", "avx512"};

static int supported(int p) {
#ifdef HEARTH_X86
  if (p == PATH_SHA) return has_sha();
  if (p == PATH_AVX2) return has_avx2();
  if (p == PATH_AVX512) return has_avx512();
#endif
  return p == PATH_C;
}

static int best_path(void) {
  static const int order[] = {PATH_AVX512, PATH_SHA, PATH_AVX2, PATH_C};
  for (int i = 0; i < 4; i++)
    if (supported(order[i])) return order[i];
  return PATH_C;
}

static int use_path = PATH_C;

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

/* scan(header: Uint8Array(>=76), threshold, start, count, out: Uint32Array) -> number found */
static napi_value js_scan(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5) return fail(env, "scan(header, threshold, start, count, out) needs 5 arguments");
  napi_typedarray_type t1, t2;
  size_t len1, len2;
  void *d1, *d2;
  if (napi_get_typedarray_info(env, argv[0], &t1, &len1, &d1, NULL, NULL) != napi_ok || t1 != napi_uint8_array || len1 < 76) return fail(env, "header must be a Uint8Array of at least 76 bytes");
  if (napi_get_typedarray_info(env, argv[4], &t2, &len2, &d2, NULL, NULL) != napi_ok || t2 != napi_uint32_array) return fail(env, "out must be a Uint32Array");
  uint32_t threshold, start, count;
  if (napi_get_value_uint32(env, argv[1], &threshold) != napi_ok || napi_get_value_uint32(env, argv[2], &start) != napi_ok || napi_get_value_uint32(env, argv[3], &count) != napi_ok) return fail(env, "threshold, start and count must be numbers");
  const uint8_t *h = (const uint8_t *)d1;
  uint32_t m[16], mid[8], tail[3];
  for (int i = 0; i < 16; i++) m[i] = be32(h + 4 * i);
  memcpy(mid, IV, 32);
  compress_c(mid, m);
  for (int i = 0; i < 3; i++) tail[i] = be32(h + 64 + 4 * i);
  uint32_t n;
  switch (use_path) {
#ifdef HEARTH_X86
    case PATH_SHA: n = scan_sha(mid, tail, threshold, start, count, (uint32_t *)d2, (uint32_t)len2); break;
    case PATH_AVX2: n = scan_avx2(mid, tail, threshold, start, count, (uint32_t *)d2, (uint32_t)len2); break;
    case PATH_AVX512: n = scan_avx512(mid, tail, threshold, start, count, (uint32_t *)d2, (uint32_t)len2); break;
#endif
    default: n = scan_c(mid, tail, threshold, start, count, (uint32_t *)d2, (uint32_t)len2);
  }
  napi_value r;
  napi_create_uint32(env, n, &r);
  return r;
}

static napi_value js_path(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_string_utf8(env, PATH_NAMES[use_path], NAPI_AUTO_LENGTH, &r);
  return r;
}

/* paths(): the paths this CPU can run, best first. */
static napi_value js_paths(napi_env env, napi_callback_info info) {
  (void)info;
  static const int order[] = {PATH_AVX512, PATH_SHA, PATH_AVX2, PATH_C};
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t k = 0;
  for (int i = 0; i < 4; i++) {
    if (!supported(order[i])) continue;
    napi_value s;
    napi_create_string_utf8(env, PATH_NAMES[order[i]], NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, k++, s);
  }
  return arr;
}

/* setPath(name): "auto" or one of paths(); returns the path now in use. Per thread's addon instance. */
static napi_value js_set_path(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char name[16] = "auto";
  size_t len = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc > 0 && napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) return fail(env, "setPath expects a string");
  if (strcmp(name, "auto") == 0) use_path = best_path();
  else {
    int p = -1;
    for (int i = 0; i < 4; i++)
      if (strcmp(name, PATH_NAMES[i]) == 0) p = i;
    if (p < 0 || !supported(p)) return fail(env, "this CPU does not support that hash path");
    use_path = p;
  }
  return js_path(env, info);
}

NAPI_MODULE_INIT() {
  use_path = best_path();
  napi_value f;
  napi_create_function(env, "scan", NAPI_AUTO_LENGTH, js_scan, NULL, &f);
  napi_set_named_property(env, exports, "scan", f);
  napi_create_function(env, "path", NAPI_AUTO_LENGTH, js_path, NULL, &f);
  napi_set_named_property(env, exports, "path", f);
  napi_create_function(env, "paths", NAPI_AUTO_LENGTH, js_paths, NULL, &f);
  napi_set_named_property(env, exports, "paths", f);
  napi_create_function(env, "setPath", NAPI_AUTO_LENGTH, js_set_path, NULL, &f);
  napi_set_named_property(env, exports, "setPath", f);
  return exports;
}
