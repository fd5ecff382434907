#version 450
// A depth texture read through its depth aspect: the depth is the red component (tests/draw).
layout(set = 0, binding = 0) uniform sampler2D depth_map;
layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 out_color;
void main() { out_color = vec4(texture(depth_map, v_uv).r, 0.0, 0.0, 1.0); }
