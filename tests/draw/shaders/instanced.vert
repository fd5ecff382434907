#version 450
// A shape per vertex, moved and colored per instance (tests/draw).
layout(location = 0) in vec2 position;
layout(location = 1) in vec4 color;   // per instance
layout(location = 2) in vec2 offset;  // per instance
layout(location = 0) out vec4 v_color;
void main() {
    gl_Position = vec4(position + offset, 0.5, 1.0);
    v_color = color * (float(gl_InstanceIndex % 3) * 0.25 + 0.5);
}
