#version 450
// GLSL.std.450 instructions on 16-bit floats (Float16), inputs and results carried as 32-bit floats
// (the conversions are exact for the half-representable inputs the host passes); numbering shared
// with std450_test.cpp (kHalfFunctions).
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { vec4 args[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { float results[]; };
layout(push_constant) uniform Params { uint count; };

const uint kFunctions = 14u;

f16vec4 Arg(uint at) { return f16vec4(args[at]); }

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  uint o = i * kFunctions;
  results[o + 0u] = float(floor(Arg(o + 0u).x));
  results[o + 1u] = float(fract(Arg(o + 1u).x));
  results[o + 2u] = float(min(Arg(o + 2u).x, Arg(o + 2u).y));
  results[o + 3u] = float(clamp(Arg(o + 3u).x, Arg(o + 3u).y, Arg(o + 3u).z));
  results[o + 4u] = float(mix(Arg(o + 4u).x, Arg(o + 4u).y, Arg(o + 4u).z));
  results[o + 5u] = float(sqrt(Arg(o + 5u).x));
  results[o + 6u] = float(inversesqrt(Arg(o + 6u).x));
  results[o + 7u] = float(exp2(Arg(o + 7u).x));
  results[o + 8u] = float(log2(Arg(o + 8u).x));
  results[o + 9u] = float(sin(Arg(o + 9u).x));
  results[o + 10u] = float(cos(Arg(o + 10u).x));
  results[o + 11u] = float(atan(Arg(o + 11u).x));
  results[o + 12u] = float(exp(Arg(o + 12u).x));
  results[o + 13u] = float(pow(Arg(o + 13u).x, Arg(o + 13u).y));
}
