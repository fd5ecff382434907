#version 450
// PointCoord as red and green; the vertex color's blue and alpha.
layout(location = 0) in vec4 v_color;
layout(location = 0) out vec4 out_color;
void main() { out_color = vec4(gl_PointCoord, v_color.b, v_color.a); }
