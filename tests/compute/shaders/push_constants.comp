#version 450
// PushConstant storage: a push-constant block with scalars, vectors, a matrix, an array indexed
// dynamically and an explicitly offset member, set in two vkCmdPushConstants ranges and changed
// between dispatches. Layout spelled out in storage_class_test.cpp.
layout(local_size_x = 32) in;
layout(push_constant, std430) uniform Push {
  uint count;                        // 0
  int scale;                         // 4
  vec2 offset;                       // 8
  vec4 color;                        // 16
  mat2 rotation;                     // 32 (columns at 32 and 40)
  int table[8];                      // 48
  layout(offset = 96) uvec4 tail;    // 96: tail.x selects the output region
} pc;
layout(set = 0, binding = 0, std430) writeonly buffer Results { vec4 results[]; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= pc.count) return;
  vec2 p = pc.rotation * (vec2(float(i), float(pc.table[i & 7u])) + pc.offset);
  results[pc.tail.x + i] = vec4(p, float(pc.scale * pc.table[(i + pc.tail.y) & 7u]), dot(pc.color, vec4(pc.tail)));
}
