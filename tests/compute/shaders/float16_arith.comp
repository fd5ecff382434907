#version 450
// 16-bit float arithmetic (Float16) on values loaded as 32-bit floats: OpFConvert to half, half
// OpFAdd/FSub/FMul/FDiv/FNegate, a half fma, comparisons, a half vector and a half matrix
// expression, and OpFConvert back. 12 results (widened) and a comparison mask per operand triple.
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { vec4 operands[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { float results[]; };
layout(set = 0, binding = 2, std430) writeonly buffer Comparisons { uint comparisons[]; };
layout(push_constant) uniform Params { uint count; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  float16_t a = float16_t(operands[i].x);  // exact: the host passes half-representable values
  float16_t b = float16_t(operands[i].y);
  float16_t c = float16_t(operands[i].z);
  uint o = i * 12u;
  results[o + 0u] = float(a + b);
  results[o + 1u] = float(a - b);
  results[o + 2u] = float(a * b);
  results[o + 3u] = float(a / b);
  results[o + 4u] = float(-a);
  results[o + 5u] = float(fma(a, b, c));
  results[o + 6u] = float(float16_t(operands[i].w));  // float -> half rounding (w is not half-exact)
  results[o + 7u] = float(abs(a) + float16_t(0.5) * c);
  f16vec2 v = f16vec2(a, b) * c + f16vec2(b, a);
  results[o + 8u] = float(v.x);
  results[o + 9u] = float(v.y);
  f16mat2 m = f16mat2(a, b, c, a);
  f16vec2 mv = m * f16vec2(b, c);
  results[o + 10u] = float(mv.x);
  results[o + 11u] = float(mv.y);
  comparisons[i] = (a < b ? 1u : 0u) | (a <= b ? 2u : 0u) | (a > b ? 4u : 0u) | (a == b ? 8u : 0u) |
                   (a != c ? 16u : 0u);
}
