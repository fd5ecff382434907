#version 450
// Writes VkDispatchIndirectCommand records for a later vkCmdDispatchIndirect in the same command
// buffer (the harness puts a barrier with INDIRECT_COMMAND_READ between the two).
layout(local_size_x = 1) in;
layout(set = 0, binding = 1, std430) buffer Args { uint words[]; };
layout(push_constant) uniform Params {
  uint at;  // word index of the record
  uint x, y, z;
};

void main() {
  words[at] = x;
  words[at + 1u] = y;
  words[at + 2u] = z;
}
