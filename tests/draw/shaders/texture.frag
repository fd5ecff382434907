#version 450
// Implicit-LOD sampling: derivatives across the quad choose the mip level (tests/draw).
layout(set = 0, binding = 0) uniform sampler2D tex;
layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 out_color;
void main() { out_color = texture(tex, v_uv); }
