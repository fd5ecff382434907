#version 450
// Discards in a checkerboard of 4x4 pixel cells, writes depth from the color (tests/draw).
layout(location = 0) in vec4 v_color;
layout(location = 0) out vec4 out_color;
void main() {
    ivec2 cell = ivec2(gl_FragCoord.xy) / 4;
    if (((cell.x + cell.y) & 1) == 1)
        discard;
    out_color = v_color;
    gl_FragDepth = v_color.r;
}
