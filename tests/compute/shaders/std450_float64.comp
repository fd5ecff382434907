#version 450
// The GLSL.std.450 instructions GLSL offers on doubles (Float64), one input dvec4 and one result
// per (element, function); numbering shared with std450_test.cpp (kDoubleFunctions).
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { dvec4 args[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { double results[]; };
layout(push_constant) uniform Params { uint count; };

const uint kFunctions = 20u;

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  uint o = i * kFunctions;
  results[o + 0u] = round(args[o + 0u].x);
  results[o + 1u] = roundEven(args[o + 1u].x);
  results[o + 2u] = trunc(args[o + 2u].x);
  results[o + 3u] = floor(args[o + 3u].x);
  results[o + 4u] = ceil(args[o + 4u].x);
  results[o + 5u] = fract(args[o + 5u].x);
  results[o + 6u] = abs(args[o + 6u].x);
  results[o + 7u] = sign(args[o + 7u].x);
  results[o + 8u] = min(args[o + 8u].x, args[o + 8u].y);
  results[o + 9u] = max(args[o + 9u].x, args[o + 9u].y);
  results[o + 10u] = clamp(args[o + 10u].x, args[o + 10u].y, args[o + 10u].z);
  results[o + 11u] = mix(args[o + 11u].x, args[o + 11u].y, args[o + 11u].z);
  results[o + 12u] = step(args[o + 12u].x, args[o + 12u].y);
  results[o + 13u] = fma(args[o + 13u].x, args[o + 13u].y, args[o + 13u].z);
  double whole;
  results[o + 14u] = modf(args[o + 14u].x, whole);
  results[o + 15u] = whole;
  int exponent;
  results[o + 16u] = frexp(args[o + 16u].x, exponent) + double(exponent) * 4.0;  // |mantissa| < 1
  results[o + 17u] = ldexp(args[o + 17u].x, int(args[o + 17u].y));
  results[o + 18u] = sqrt(args[o + 18u].x);
  results[o + 19u] = inversesqrt(args[o + 19u].x);
}
