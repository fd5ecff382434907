// filter_rgba8x8 (sample_rgba8.h): sample_rgba8.cpp's filter() for 8 lanes per AVX2 instruction,
// texels fetched by gathers. The same operations as the scalar filter, in the same order (the
// engine never fuses a * b + c), so the same bits: tests/unit/sample_rgba8_test.cpp runs both ISAs.
// Only intrinsics and this file's own functions: nothing here may be a weak (shared) symbol
// (scripts/check_isa_object.sh).
#include <immintrin.h>

#include "sample_rgba8.h"

namespace kiln::spirv::avx2 {

namespace {

// clamp_coordinate (image_access.h): NaN becomes 0, then [-2^24, 2^24].
inline __m256 clamp_coordinate8(__m256 u) {
    const __m256 ordered = _mm256_cmp_ps(u, u, _CMP_ORD_Q);
    u = _mm256_and_ps(u, ordered);
    u = _mm256_max_ps(u, _mm256_set1_ps(-16777216.0f));
    return _mm256_min_ps(u, _mm256_set1_ps(16777216.0f));
}

// wrap_fast for power-of-two REPEAT (a mask) or CLAMP_TO_EDGE.
inline __m256i wrap8(__m256i i, int32_t size, bool repeat) {
    if (repeat)
        return _mm256_and_si256(i, _mm256_set1_epi32(size - 1));
    return _mm256_min_epi32(_mm256_max_epi32(i, _mm256_setzero_si256()), _mm256_set1_epi32(size - 1));
}

// The four components of 8 texels (at byte offsets from level.texels) as floats.
inline void decode8(const Rgba8Level& level, __m256i offsets, __m256 out[4]) {
    const __m256i texel = _mm256_i32gather_epi32(reinterpret_cast<const int*>(level.texels), offsets, 1);
    const __m256i byte = _mm256_set1_epi32(0xff);
    const int red_shift = int(8 * level.red_byte), blue_shift = int(8 * (2 - level.red_byte));
    const __m256i code[4] = {_mm256_and_si256(_mm256_srl_epi32(texel, _mm_cvtsi32_si128(red_shift)), byte),
                             _mm256_and_si256(_mm256_srli_epi32(texel, 8), byte),
                             _mm256_and_si256(_mm256_srl_epi32(texel, _mm_cvtsi32_si128(blue_shift)), byte),
                             _mm256_srli_epi32(texel, 24)};
    const __m256 max = _mm256_set1_ps(255.0f);
    for (int c = 0; c < 4; ++c) {
        if (level.srgb && c < 3)
            out[c] = _mm256_i32gather_ps(level.srgb, code[c], 4);
        else
            out[c] = _mm256_div_ps(_mm256_cvtepi32_ps(code[c]), max);  // c / 255, as the codecs
    }
}

}  // namespace

void filter_rgba8x8(const Rgba8Level& level, const uint32_t* s, const uint32_t* t, float out[4][8]) {
    const __m256 s8 = _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s)));
    const __m256 t8 = _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(t)));
    const __m256 u = _mm256_mul_ps(s8, _mm256_set1_ps(float(level.width)));
    const __m256 v = _mm256_mul_ps(t8, _mm256_set1_ps(float(level.height)));
    const __m256i pitch = _mm256_set1_epi32(level.row_pitch);
    if (!level.linear) {
        const __m256i i = wrap8(_mm256_cvttps_epi32(_mm256_floor_ps(clamp_coordinate8(u))), level.width,
                                level.repeat[0]);
        const __m256i j = wrap8(_mm256_cvttps_epi32(_mm256_floor_ps(clamp_coordinate8(v))), level.height,
                                level.repeat[1]);
        __m256 texel[4];
        decode8(level, _mm256_add_epi32(_mm256_mullo_epi32(j, pitch), _mm256_slli_epi32(i, 2)), texel);
        for (int c = 0; c < 4; ++c)
            _mm256_storeu_ps(out[c], texel[c]);
        return;
    }
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    const __m256 x = _mm256_sub_ps(clamp_coordinate8(u), half), y = _mm256_sub_ps(clamp_coordinate8(v), half);
    const __m256 fx = _mm256_floor_ps(x), fy = _mm256_floor_ps(y);
    const __m256 ax = _mm256_sub_ps(x, fx), ay = _mm256_sub_ps(y, fy);
    const __m256i i0 = _mm256_cvttps_epi32(fx), j0 = _mm256_cvttps_epi32(fy);
    const __m256i one_i = _mm256_set1_epi32(1);
    const __m256i i[2] = {wrap8(i0, level.width, level.repeat[0]),
                          wrap8(_mm256_add_epi32(i0, one_i), level.width, level.repeat[0])};
    const __m256i j[2] = {wrap8(j0, level.height, level.repeat[1]),
                          wrap8(_mm256_add_epi32(j0, one_i), level.height, level.repeat[1])};
    const __m256i rows[2] = {_mm256_mullo_epi32(j[0], pitch), _mm256_mullo_epi32(j[1], pitch)};
    const __m256i columns[2] = {_mm256_slli_epi32(i[0], 2), _mm256_slli_epi32(i[1], 2)};
    const __m256 bx = _mm256_sub_ps(one, ax), by = _mm256_sub_ps(one, ay);
    const __m256 weight[4] = {_mm256_mul_ps(bx, by), _mm256_mul_ps(ax, by), _mm256_mul_ps(bx, ay),
                              _mm256_mul_ps(ax, ay)};
    __m256 sum[4];
    for (int corner = 0; corner < 4; ++corner) {
        __m256 texel[4];
        decode8(level, _mm256_add_epi32(rows[corner >> 1], columns[corner & 1]), texel);
        for (int c = 0; c < 4; ++c) {
            const __m256 term = _mm256_mul_ps(weight[corner], texel[c]);
            sum[c] = corner == 0 ? term : _mm256_add_ps(sum[c], term);
        }
    }
    for (int c = 0; c < 4; ++c)
        _mm256_storeu_ps(out[c], sum[c]);
}

}  // namespace kiln::spirv::avx2
