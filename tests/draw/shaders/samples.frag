#version 450
// texelFetch of each of the four samples of a multisampled image: sample s's red channel into
// component s of the output (tests/draw/multisample_test.cpp, whose scenes are 32x32). A wrong
// textureSamples or textureSize gives 0.5 everywhere instead.
layout(set = 0, binding = 0) uniform sampler2DMS image;
layout(location = 0) out vec4 out_color;
void main() {
    const ivec2 p = ivec2(gl_FragCoord.xy);
    out_color = vec4(texelFetch(image, p, 0).r, texelFetch(image, p, 1).r, texelFetch(image, p, 2).r,
                     texelFetch(image, p, 3).r);
    if (textureSamples(image) != 4 || textureSize(image) != ivec2(32, 32))
        out_color = vec4(0.5);
}
