#version 450
// A cube map sampled by direction (tests/draw): implicit LOD, one level. The direction's y is
// skewed so that no pixel center lies on a face boundary (|x| = |y|), where implementations may
// break the tie either way.
layout(set = 0, binding = 0) uniform samplerCube tex;
layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 out_color;
void main() { out_color = texture(tex, vec3(v_uv.x, 0.9 * v_uv.y + 0.1037, 0.75)); }
