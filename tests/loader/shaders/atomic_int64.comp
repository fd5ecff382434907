#version 450
// Declares the Int64Atomics capability, which Kiln does not offer (shaderBufferInt64Atomics is not
// reported): vkCreateShaderModule refuses it, naming the capability.
#extension GL_EXT_shader_atomic_int64 : require
#extension GL_ARB_gpu_shader_int64 : require
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, std430) buffer Values { uint64_t values[]; };

void main() {
  atomicAdd(values[0], 2ul);
}
