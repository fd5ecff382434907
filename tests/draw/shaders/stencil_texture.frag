#version 450
// The stencil aspect of a depth/stencil texture, read as an unsigned integer (tests/draw).
layout(set = 0, binding = 0) uniform usampler2D stencil_map;
layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 out_color;
void main() { out_color = vec4(float(texture(stencil_map, v_uv).r) / 255.0, 0.0, 0.0, 1.0); }
