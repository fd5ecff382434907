// vkcube and vkcubepp (package vulkan-tools) run to completion on Kiln under a private Xvfb, and
// the last frame they leave in their window matches lavapipe's last frame of the same run length.
// vkcube turns the cube by a fixed angle per frame, so frame N is the same picture on any driver;
// the frame is read back from the X server by an LD_PRELOAD shim (frame_capture.cpp) when vkcube
// destroys its window at exit. Images that differ are saved as PNG (Kiln's, lavapipe's, the
// difference) into the test's output folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "png_image.h"
#include "../wsi/xvfb.h"
#include "kiln_test_config.h"

namespace {

struct Ppm {
    uint32_t width = 0, height = 0;
    std::vector<uint8_t> rgb;
};

bool ReadPpm(const std::string& path, Ppm* out) {
    std::ifstream f(path, std::ios::binary);
    std::string magic;
    int max = 0;
    if (!(f >> magic >> out->width >> out->height >> max) || magic != "P6" || max != 255)
        return false;
    f.get();  // the one whitespace after the header
    out->rgb.resize(size_t(out->width) * out->height * 3);
    return bool(f.read(reinterpret_cast<char*>(out->rgb.data()), std::streamsize(out->rgb.size())));
}

std::string OutputFolder() {
    const std::string folder = KILN_VKCUBE_OUTPUT_DIR;
    std::string command = "mkdir -p '" + folder + "'";
    if (std::system(command.c_str()) != 0)
        return ".";
    return folder;
}

// Runs `program --c frames` on the driver of `manifest` with the capture shim; the exit status.
int RunCube(const std::string& program, const std::string& manifest, uint32_t frames, const std::string& capture,
            const std::string& log) {
    std::ostringstream command;
    std::string preload = KILN_VKCUBE_PRELOAD;  // sanitizer runtimes first, where the build has them
    if (!preload.empty())
        preload += ":";
    preload += KILN_VKCUBE_SHIM;
    command << "VK_DRIVER_FILES='" << manifest << "' LD_PRELOAD='" << preload << "' KILN_CAPTURE_PPM='" << capture
            << "' " << program << " --c " << frames << " > '" << log << "' 2>&1";
    std::remove(capture.c_str());
    return std::system(command.str().c_str());
}

std::string Slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

void CubeMatchesLavapipe(const std::string& program) {
    if (std::system(("command -v " + program + " > /dev/null 2>&1").c_str()) != 0)
        GTEST_SKIP() << program << " is not installed (package vulkan-tools)";
    kiln_test::Xvfb xvfb;
    const std::string folder = OutputFolder();
    const std::string kiln = folder + "/" + program + "_kiln.ppm", lavapipe = folder + "/" + program + "_lavapipe.ppm";
    constexpr uint32_t kFrames = 300;
    const int status = RunCube(program, KILN_TEST_MANIFEST, kFrames, kiln, folder + "/" + program + "_kiln.log");
    ASSERT_EQ(status, 0) << program << " on Kiln failed:\n" << Slurp(folder + "/" + program + "_kiln.log");
    Ppm ours;
    ASSERT_TRUE(ReadPpm(kiln, &ours)) << "no frame captured from " << program << " on Kiln";
    if (access(KILN_LAVAPIPE_MANIFEST, R_OK) != 0)
        GTEST_SKIP() << "lavapipe is not installed: ran on Kiln only";
    ASSERT_EQ(RunCube(program, KILN_LAVAPIPE_MANIFEST, kFrames, lavapipe, folder + "/" + program + "_lavapipe.log"), 0)
        << Slurp(folder + "/" + program + "_lavapipe.log");
    Ppm theirs;
    ASSERT_TRUE(ReadPpm(lavapipe, &theirs));
    ASSERT_EQ(ours.width, theirs.width);
    ASSERT_EQ(ours.height, theirs.height);
    // Tolerance: the two rasterize with the same rules, but sample the texture with different
    // LOD and filtering arithmetic, and interpolate in different orders: a pixel may differ by a
    // few codes; edges of the cube may take a pixel's neighbour's color. At most 1 % of the pixels
    // may differ by more than 24 codes in a channel, and the mean difference stays under 2 codes.
    Ppm diff = ours;
    uint64_t far = 0, total = 0;
    for (size_t i = 0; i < ours.rgb.size(); ++i) {
        const int d = std::abs(int(ours.rgb[i]) - int(theirs.rgb[i]));
        diff.rgb[i] = uint8_t(std::min(255, d * 8));
        total += uint64_t(d);
    }
    for (size_t p = 0; p < ours.rgb.size(); p += 3) {
        int d = 0;
        for (int c = 0; c < 3; ++c)
            d = std::max(d, std::abs(int(ours.rgb[p + c]) - int(theirs.rgb[p + c])));
        far += d > 24;
    }
    const double pixels = double(ours.width) * ours.height;
    const double mean = double(total) / double(ours.rgb.size());
    const bool match = far <= pixels / 100 && mean < 2.0;
    if (!match) {
        // Failing frames as PNG: Kiln's, lavapipe's and their difference (8 x |a - b|).
        for (const auto& [image, suffix] : {std::pair{&ours, "kiln"}, {&theirs, "lavapipe"}, {&diff, "diff"}}) {
            std::vector<uint8_t> rgba;
            for (size_t i = 0; i < image->rgb.size(); i += 3)
                rgba.insert(rgba.end(), {image->rgb[i], image->rgb[i + 1], image->rgb[i + 2], 255});
            kiln_test::WritePng(folder + "/" + program + "_" + suffix + ".png", image->width, image->height, rgba);
        }
    }
    EXPECT_TRUE(match) << program << ": " << far << " of " << pixels << " pixels differ by more than 24, mean "
                       << mean << " codes; images in " << folder;
}

TEST(Vkcube, RunsAndItsLastFrameMatchesLavapipe) { CubeMatchesLavapipe("vkcube"); }
TEST(Vkcube, CppVersionRunsAndItsLastFrameMatchesLavapipe) { CubeMatchesLavapipe("vkcubepp"); }

}  // namespace
