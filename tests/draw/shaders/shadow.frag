#version 450
// Depth-comparison sampling ("Depth Compare Operation"): implicit LOD against 0.5, explicit LOD 0
// against 0.3 (tests/draw).
layout(set = 0, binding = 0) uniform sampler2DShadow depth_map;
layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 out_color;
void main() {
    float lit = texture(depth_map, vec3(v_uv, 0.5));
    float lit_lod = textureLod(depth_map, vec3(v_uv, 0.3), 0.0);
    out_color = vec4(lit, lit_lod, 0.0, 1.0);
}
