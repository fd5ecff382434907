#version 450
// Declares the GroupNonUniform capability, which Kiln does not implement (no subgroup operations
// yet: VkPhysicalDeviceSubgroupProperties::supportedStages is 0): vkCreateShaderModule refuses it,
// naming the capability.
#extension GL_KHR_shader_subgroup_basic : require
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, std430) buffer Values { uint values[]; };

void main() {
  if (subgroupElect()) values[0] = values[0] * 2u;
}
