#version 450
// The color's fine screen-space derivatives (helper lanes of a line's quads must carry the line's values).
layout(location = 0) in vec4 v_color;
layout(location = 0) out vec4 out_color;
void main() { out_color = vec4(abs(dFdxFine(v_color.r)) * 8.0, abs(dFdyFine(v_color.r)) * 8.0, v_color.b, 1.0); }
