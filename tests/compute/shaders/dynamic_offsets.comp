#version 450
// Dynamic descriptors: a UNIFORM_BUFFER_DYNAMIC parameter block and a STORAGE_BUFFER_DYNAMIC output
// window, rebound with new dynamic offsets between dispatches, next to a plain storage buffer; the
// output's runtime array length (OpArrayLength) follows the descriptor's range.
layout(local_size_x = 16) in;
layout(set = 0, binding = 0, std140) uniform Params {
  ivec4 scale;  // x: multiplier, y: addend
  uint base;    // first input element
} params;
layout(set = 0, binding = 1, std430) readonly buffer Inputs { int inputs[]; };
layout(set = 0, binding = 2, std430) writeonly buffer Window {
  int count;
  int pad[3];
  int values[];
} window;

void main() {
  uint i = gl_LocalInvocationID.x;
  window.values[i] = inputs[params.base + i] * params.scale.x + params.scale.y;
  if (i == 0u) window.count = window.values.length();
}
