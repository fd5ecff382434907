#version 450
// The vertex stage's interface (tests/unit/spirv_stage_test.cpp): attributes of several types and
// locations, built-in inputs, push constants, and outputs of each interpolation kind.
layout(location = 0) in vec4 position;
layout(location = 1) in vec2 uv;
layout(location = 2) in ivec2 ids;
layout(location = 3) in mat2 m;  // locations 3 and 4

layout(push_constant) uniform Params {
    mat4 mvp;
    float scale;
};

layout(location = 0) out vec2 out_uv;
layout(location = 1) flat out int out_id;
layout(location = 2) noperspective out float out_x;
layout(location = 3) out vec2 out_m;

void main() {
    gl_Position = mvp * position;
    out_uv = uv * scale;
    out_id = ids.x + ids.y * 100 + gl_VertexIndex * 10000 + gl_InstanceIndex * 1000000;
    out_x = position.x;
    out_m = m * uv;
}
