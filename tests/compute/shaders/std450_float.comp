#version 450
// The GLSL.std.450 float instructions on 32-bit floats, one input vec4 and one result per
// (element, function) so that each function gets inputs from its own domain; modf and frexp also
// return their second result in the next slot. The function numbering is shared with
// std450_test.cpp (kFunctions). glslang spells frexp as FrexpStruct and modf as Modf; the other two
// forms (Frexp with a pointer, ModfStruct) and NMin/NMax/NClamp, which it never emits, come through
// GL_EXT_spirv_intrinsics.
#extension GL_EXT_spirv_intrinsics : require
layout(local_size_x = 64) in;
struct ModfResult {
  float fraction;
  float whole;
};
spirv_instruction(set = "GLSL.std.450", id = 51) float spvFrexp(float x, spirv_by_reference int exponent);
spirv_instruction(set = "GLSL.std.450", id = 36) ModfResult spvModfStruct(float x);
spirv_instruction(set = "GLSL.std.450", id = 79) float spvNMin(float x, float y);
spirv_instruction(set = "GLSL.std.450", id = 80) float spvNMax(float x, float y);
spirv_instruction(set = "GLSL.std.450", id = 81) float spvNClamp(float x, float lo, float hi);
layout(set = 0, binding = 0, std430) readonly buffer Inputs { vec4 args[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { float results[]; };
layout(push_constant) uniform Params { uint count; };

const uint kFunctions = 49u;

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
  results[o + 13u] = smoothstep(args[o + 13u].x, args[o + 13u].y, args[o + 13u].z);
  results[o + 14u] = fma(args[o + 14u].x, args[o + 14u].y, args[o + 14u].z);
  float whole;
  results[o + 15u] = modf(args[o + 15u].x, whole);
  results[o + 16u] = whole;
  int exponent;
  results[o + 17u] = frexp(args[o + 17u].x, exponent);
  results[o + 18u] = float(exponent);
  results[o + 19u] = ldexp(args[o + 19u].x, int(args[o + 19u].y));
  results[o + 20u] = radians(args[o + 20u].x);
  results[o + 21u] = degrees(args[o + 21u].x);
  results[o + 22u] = sin(args[o + 22u].x);
  results[o + 23u] = cos(args[o + 23u].x);
  results[o + 24u] = tan(args[o + 24u].x);
  results[o + 25u] = asin(args[o + 25u].x);
  results[o + 26u] = acos(args[o + 26u].x);
  results[o + 27u] = atan(args[o + 27u].x);
  results[o + 28u] = atan(args[o + 28u].x, args[o + 28u].y);
  results[o + 29u] = sinh(args[o + 29u].x);
  results[o + 30u] = cosh(args[o + 30u].x);
  results[o + 31u] = tanh(args[o + 31u].x);
  results[o + 32u] = asinh(args[o + 32u].x);
  results[o + 33u] = acosh(args[o + 33u].x);
  results[o + 34u] = atanh(args[o + 34u].x);
  results[o + 35u] = pow(args[o + 35u].x, args[o + 35u].y);
  results[o + 36u] = exp(args[o + 36u].x);
  results[o + 37u] = log(args[o + 37u].x);
  results[o + 38u] = exp2(args[o + 38u].x);
  results[o + 39u] = log2(args[o + 39u].x);
  results[o + 40u] = sqrt(args[o + 40u].x);
  results[o + 41u] = inversesqrt(args[o + 41u].x);
  int pointerExponent;
  results[o + 42u] = spvFrexp(args[o + 42u].x, pointerExponent);
  results[o + 43u] = float(pointerExponent);
  ModfResult parts = spvModfStruct(args[o + 44u].x);
  results[o + 44u] = parts.fraction;
  results[o + 45u] = parts.whole;
  results[o + 46u] = spvNMin(args[o + 46u].x, args[o + 46u].y);
  results[o + 47u] = spvNMax(args[o + 47u].x, args[o + 47u].y);
  results[o + 48u] = spvNClamp(args[o + 48u].x, args[o + 48u].y, args[o + 48u].z);
}
