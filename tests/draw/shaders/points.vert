#version 450
// Position, color and PointSize per vertex (tests/draw, point lists).
layout(location = 0) in vec4 position;
layout(location = 1) in vec4 color;
layout(location = 2) in float size;
layout(location = 0) out vec4 v_color;
void main() {
    gl_Position = position;
    gl_PointSize = size;
    v_color = color;
}
