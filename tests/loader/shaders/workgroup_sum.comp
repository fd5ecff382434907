#version 450
// A module Kiln runs, with no descriptors: the debug-utils tests truncate it, and make a pipeline of
// it beside one Kiln refuses.
layout(local_size_x = 4) in;
shared uint partial[4];

void main() {
  partial[gl_LocalInvocationIndex] = gl_LocalInvocationIndex * 2u;
  barrier();
}
