#version 450
// Position and a flat color per vertex (tests/draw: the provoking vertex's color).
layout(location = 0) in vec4 position;
layout(location = 1) in vec4 color;
layout(location = 0) flat out vec4 v_color;
void main() {
    gl_Position = position;
    v_color = color;
}
