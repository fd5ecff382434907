#version 450
// Structured control flow (OpSelectionMerge, OpLoopMerge, OpBranchConditional, OpSwitch, OpPhi once
// optimized), early returns from functions and from main, function calls (OpFunctionCall with
// pointer parameters at -O0, OpReturnValue) and divergent control flow: the body is
// control_flow_body.glsl, which the host test compiles as C++ for the expected values. Compiled
// three ways (glslc -O, glslc -O0, glslangValidator).
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { uint inputs[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { uvec2 results[]; };

#define INOUT(T) inout T
#define OUT(T) out T
#define FALLTHROUGH
#include "control_flow_body.glsl"

void main() {
  uint i = gl_GlobalInvocationID.x;
  uint x = inputs[i];
  if ((x & 0x70000u) == 0x30000u) {  // some invocations leave main early
    results[i] = uvec2(0xDEADu, 0u);
    return;
  }
  results[i].x = ControlFlow(x);
  if (x % 3u == 0u) return;
  results[i].y = Classify(x ^ 0x55u) + 1u;
}
