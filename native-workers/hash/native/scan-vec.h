/*
 * Multi-lane SHA-256d scan, included once per instruction set by sha256d.c with these macros set:
 * SCAN_NAME, TARGET, V, LANES, SET1, ADD, ROR, SHR, XOR3, CH, MAJ, BSWAP, LANE_INDEX,
 * LE_MASK(x, thr) -> bit mask of lanes with x <= thr (unsigned).
 * Every value is a vector of LANES nonces. The midstate, the first three rounds and the schedule
 * words that do not depend on the nonce are loop-invariant: the compiler hoists them out of the
 * nonce loop, and adds of constant zero padding words fold away. The second hash stops at round
 * 60, which already fixes the top hash word (IV7 + e60).
 */
#define S0(x) XOR3(ROR(x, 2), ROR(x, 13), ROR(x, 22))
#define S1(x) XOR3(ROR(x, 6), ROR(x, 11), ROR(x, 25))
#define s0(x) XOR3(ROR(x, 7), ROR(x, 18), SHR(x, 3))
#define s1(x) XOR3(ROR(x, 17), ROR(x, 19), SHR(x, 10))

TARGET static uint32_t SCAN_NAME(const uint32_t mid[8], const uint32_t tail[3], uint32_t threshold, uint32_t start, uint32_t count, uint32_t *out, uint32_t cap) {
  uint32_t found = 0;
  const V lanes = LANE_INDEX;
  const V thr = SET1(threshold);
  for (uint32_t i = 0; i < count; i += LANES) {
    V w[64];
    V n = ADD(SET1(start + i), lanes);
    w[0] = SET1(tail[0]);
    w[1] = SET1(tail[1]);
    w[2] = SET1(tail[2]);
    w[3] = BSWAP(n);
    w[4] = SET1(0x80000000u);
    for (int t = 5; t < 15; t++) w[t] = SET1(0);
    w[15] = SET1(640);
    V a = SET1(mid[0]), b = SET1(mid[1]), c = SET1(mid[2]), d = SET1(mid[3]);
    V e = SET1(mid[4]), f = SET1(mid[5]), g = SET1(mid[6]), h = SET1(mid[7]);
#pragma GCC unroll 64
    for (int t = 0; t < 64; t++) {
      if (t >= 16) w[t] = ADD(ADD(s1(w[t - 2]), w[t - 7]), ADD(s0(w[t - 15]), w[t - 16]));
      V t1 = ADD(ADD(h, S1(e)), ADD(CH(e, f, g), ADD(SET1(K[t]), w[t])));
      V t2 = ADD(S0(a), MAJ(a, b, c));
      h = g; g = f; f = e; e = ADD(d, t1); d = c; c = b; b = a; a = ADD(t1, t2);
    }
    w[0] = ADD(a, SET1(mid[0])); w[1] = ADD(b, SET1(mid[1])); w[2] = ADD(c, SET1(mid[2])); w[3] = ADD(d, SET1(mid[3]));
    w[4] = ADD(e, SET1(mid[4])); w[5] = ADD(f, SET1(mid[5])); w[6] = ADD(g, SET1(mid[6])); w[7] = ADD(h, SET1(mid[7]));
    w[8] = SET1(0x80000000u);
    for (int t = 9; t < 15; t++) w[t] = SET1(0);
    w[15] = SET1(256);
    a = SET1(IV[0]); b = SET1(IV[1]); c = SET1(IV[2]); d = SET1(IV[3]);
    e = SET1(IV[4]); f = SET1(IV[5]); g = SET1(IV[6]); h = SET1(IV[7]);
#pragma GCC unroll 64
    for (int t = 0; t < 60; t++) {
      if (t >= 16) w[t] = ADD(ADD(s1(w[t - 2]), w[t - 7]), ADD(s0(w[t - 15]), w[t - 16]));
      V t1 = ADD(ADD(h, S1(e)), ADD(CH(e, f, g), ADD(SET1(K[t]), w[t])));
      V t2 = ADD(S0(a), MAJ(a, b, c));
      h = g; g = f; f = e; e = ADD(d, t1); d = c; c = b; b = a; a = ADD(t1, t2);
    }
    w[60] = ADD(ADD(s1(w[58]), w[53]), ADD(s0(w[45]), w[44]));
    V e60 = ADD(d, ADD(ADD(h, S1(e)), ADD(CH(e, f, g), ADD(SET1(K[60]), w[60]))));
    V top = BSWAP(ADD(e60, SET1(IV[7])));
    uint32_t mask = LE_MASK(top, thr);
    while (mask) {
      uint32_t lane = (uint32_t)__builtin_ctz(mask);
      mask &= mask - 1;
      if (lane < count - i && found < cap) out[found++] = start + i + lane;
    }
  }
  return found;
}

#undef S0
#undef S1
#undef s0
#undef s1
