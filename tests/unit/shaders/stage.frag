#version 450
// The fragment stage's interface (tests/unit/spirv_stage_test.cpp): interpolated and flat inputs,
// FragCoord and FrontFacing, discard, derivatives, two color outputs and FragDepth.
layout(location = 0) in vec2 uv;
layout(location = 1) flat in int id;

layout(location = 0) out vec4 color;
layout(location = 1) out uvec2 extra;

void main() {
    if (id < 0)
        discard;
    color = vec4(dFdx(uv.x), dFdy(uv.y), dFdxFine(uv.y), fwidth(uv.x));
    extra = uvec2(gl_FragCoord.xy) + uvec2(gl_FrontFacing ? 1000u : 0u);
    gl_FragDepth = gl_FragCoord.z * 0.5;
}
