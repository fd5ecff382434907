// PNG files of test images (libpng): what a failing image comparison leaves behind for a person
// to look at -- the actual image, the expected one and a difference image.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln_test {

// Writes 8-bit RGBA pixels (rows top to bottom, width * height * 4 bytes) as a PNG file.
bool WritePng(const std::string& path, uint32_t width, uint32_t height, const std::vector<uint8_t>& rgba);

}  // namespace kiln_test
