#version 450
// Declares the Float16 capability, which Kiln does not implement (shaderFloat16 is not reported):
// vkCreateShaderModule refuses it, naming the capability.
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, std430) buffer Values { float16_t values[]; };

void main() { values[0] = values[0] * float16_t(2.0); }
