#version 450
// Declares the AtomicFloat32AddEXT capability, which Kiln does not offer (VK_EXT_shader_atomic_float
// is not supported): vkCreateShaderModule refuses it, naming the capability.
#extension GL_EXT_shader_atomic_float : require
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, std430) buffer Values { float values[]; };

void main() {
  atomicAdd(values[0], 2.0);
}
