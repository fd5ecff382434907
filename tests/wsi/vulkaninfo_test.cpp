// vulkaninfo on Kiln under Xvfb: with DISPLAY set it creates an xcb (and an Xlib) surface of its
// own and prints the "Presentable Surfaces" section: formats, present modes, capabilities.
#include <cstdio>
#include <sys/wait.h>

#include "wsi_harness.h"

namespace kiln_test {
namespace {

TEST(Vulkaninfo, ListsKilnSurfaceFormatsAndPresentModes) {
  if (!OnKiln()) GTEST_SKIP() << "checks Kiln's output";
  if (system("command -v vulkaninfo > /dev/null 2>&1") != 0) GTEST_SKIP() << "vulkaninfo is not installed";
  Xvfb x;  // sets DISPLAY and XDG_RUNTIME_DIR for the child
  UseDriverUnderTestByDefault();
  // Plain text mode writes nothing to the working folder (--json would).
#ifdef KILN_TEST_TOOL_ENVIRONMENT  // sanitizer builds: what an uninstrumented tool needs to load Kiln
  FILE* pipe = popen("env " KILN_TEST_TOOL_ENVIRONMENT " vulkaninfo 2>&1", "r");
#else
  FILE* pipe = popen("vulkaninfo 2>&1", "r");
#endif
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), 0) << output;
  const size_t surfaces = output.find("Presentable Surfaces");
  ASSERT_NE(surfaces, std::string::npos) << output;
  const std::string section = output.substr(surfaces, output.find("Device Properties and Extensions") - surfaces);
  for (const char* expected :
       {"Kiln", "VK_KHR_xcb_surface", "FORMAT_B8G8R8A8_UNORM", "FORMAT_B8G8R8A8_SRGB", "COLOR_SPACE_SRGB_NONLINEAR_KHR",
        "PRESENT_MODE_FIFO_KHR", "PRESENT_MODE_IMMEDIATE_KHR", "PRESENT_MODE_MAILBOX_KHR", "width  = 256"})
    EXPECT_NE(section.find(expected), std::string::npos) << expected << " missing in:\n" << section;
  EXPECT_EQ(output.find("ERROR"), std::string::npos) << output;
}

}  // namespace
}  // namespace kiln_test
