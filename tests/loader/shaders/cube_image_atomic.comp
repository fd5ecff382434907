#version 450
// Valid SPIR-V that vkCreateShaderModule accepts but Kiln cannot lower yet (cube images in
// shaders): vkCreateComputePipelines refuses it. When Kiln runs cube images, the debug-utils tests
// that use this need another shader Kiln refuses at pipeline creation.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, r32ui) uniform uimageCube counters;

void main() { imageAtomicAdd(counters, ivec3(0, 0, 0), 1u); }
