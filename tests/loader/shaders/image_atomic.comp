#version 450
// Valid SPIR-V that vkCreateShaderModule accepts but Kiln cannot lower yet (storage images in
// shaders): vkCreateComputePipelines refuses it. When Kiln runs images, the debug-utils test that
// uses this needs another shader Kiln refuses at pipeline creation.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, r32ui) uniform uimage2D counters;

void main() { imageAtomicAdd(counters, ivec2(0, 0), 1u); }
