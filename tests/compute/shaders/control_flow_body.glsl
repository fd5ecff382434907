// Structured control flow, shared by shaders/control_flow.comp (GLSL) and control_flow_test.cpp
// (C++, the host reference): the same source in the common subset of GLSL 4.50 and C++20. Only
// uint arithmetic (it wraps the same way in both), shift amounts below 32, no vectors, no array
// parameters; parameters are spelled INOUT(T) and OUT(T), switch fallthrough FALLTHROUGH.
// Every branch depends on the invocation's input, so neighbouring invocations diverge.

uint Hash(uint x) {
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

// if / else-if chains, nested ifs and early returns.
uint Classify(uint x) {
  if (x < 1000u) return 1u;
  if ((x & 3u) == 0u) {
    if (x > 0x80000000u) return 2u;
    return 3u;
  } else if ((x & 3u) == 1u) {
    return 4u + x % 5u;
  }
  uint r = 9u;
  if ((x & 8u) != 0u)
    r += 1u;
  else
    r += 2u;
  return r;
}

// switch: fallthrough, a default in the middle that falls into a case, grouped labels, a loop with
// a break inside a case, and a return from inside the switch.
uint Switch(uint x) {
  uint r = 0u;
  switch (x % 9u) {
    case 0u:
      r += 1u;
      FALLTHROUGH;
    case 1u:
      r += 2u;
      break;
    case 2u:
    case 3u:
      r += 10u;
      break;
    default:
      r += 100u;
      FALLTHROUGH;
    case 4u:
      r += 1000u;
      break;
    case 5u:
      for (uint k = 0u; k < 3u; ++k) {
        if (k == x % 2u) break;
        r += 5u;
      }
      break;
    case 6u:
      return 77u;
  }
  return r;
}

// Loops: a data-dependent trip count with continue and break, a bounded while, a do-while, and
// nested loops left early through a flag.
uint Loops(uint x) {
  uint acc = 0u;
  for (uint i = 0u; i < (x & 15u); ++i) {
    if ((i & 3u) == 2u) continue;
    acc += i * x;
    if (acc > 0xF0000000u) break;
  }
  uint n = x;
  uint steps = 0u;
  while (n > 1u && steps < 300u) {
    n = (n & 1u) != 0u ? 3u * n + 1u : n >> 1u;
    steps += 1u;
  }
  acc += steps;
  uint k = 0u;
  do {
    acc ^= acc << 5u;
    k += 1u;
  } while (k < (x >> 28u));
  bool done = false;
  for (uint a = 0u; a < 6u && !done; ++a) {
    for (uint b = 0u; b < 6u; ++b) {
      if (((a * 7u + b * 3u) ^ x) % 11u == 0u) {
        done = true;
        break;
      }
      acc += a + b;
    }
  }
  return acc;
}

// Function calls with inout and out parameters, called from a loop.
void Accumulate(INOUT(uint) total, uint value, OUT(uint) carry) {
  uint before = total;
  total += value;
  carry = total < before ? 1u : 0u;
}

uint Calls(uint x) {
  uint total = x;
  uint carries = 0u;
  uint carry = 0u;
  for (uint i = 0u; i < 4u; ++i) {
    Accumulate(total, Hash(x + i), carry);
    carries += carry;
  }
  return total ^ (carries << 28u);
}

// A struct returned by value.
struct Quotient {
  uint whole;
  uint rest;
};

Quotient Divide(uint a, uint b) {
  Quotient q;
  q.whole = a / b;
  q.rest = a % b;
  return q;
}

// A loop whose exit depends on values computed in the loop (a phi-heavy shape once optimized).
uint Search(uint x) {
  uint lo = 0u;
  uint hi = 0xFFFFu;
  uint target = x & 0xFFFFu;
  uint probes = 0u;
  while (lo < hi) {
    uint mid = lo + (hi - lo) / 2u;
    probes += 1u;
    if (mid < target)
      lo = mid + 1u;
    else
      hi = mid;
  }
  return lo * 32u + probes;
}

uint ControlFlow(uint x) {
  uint r = Classify(x);
  r = r * 31u + Switch(x);
  r = r * 31u + Loops(x);
  r = r * 31u + Calls(x);
  Quotient q = Divide(x, (x & 255u) + 1u);
  r = r * 31u + q.whole + q.rest;
  r = r * 31u + Search(Hash(x));
  return r;
}
