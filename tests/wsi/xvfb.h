// A private X server per test: `Xvfb -displayfd` on a display number the server picks, with
// XDG_RUNTIME_DIR set to a fresh 0700 folder, and the helpers the WSI tests need on it (a mapped
// window, resizing, reading the window's pixels back with xcb_get_image).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xcb/xcb.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace kiln_test {

class Xvfb {
 public:
  // `screen`: Xvfb's -screen geometry; `extra`: more arguments (e.g. "-extension", "MIT-SHM").
  explicit Xvfb(std::string screen = "1024x768x24", std::vector<std::string> extra = {})
      : screen_(std::move(screen)), extra_(std::move(extra)) {
    char dir[] = "/tmp/kiln-wsi-xdg-XXXXXX";  // mkdtemp makes it 0700
    if (!mkdtemp(dir)) throw std::runtime_error("mkdtemp failed");
    runtime_dir_ = dir;
    setenv("XDG_RUNTIME_DIR", runtime_dir_.c_str(), 1);
    // Other test processes start servers at the same time: Xvfb picks a free display number itself
    // and writes it to a pipe (-displayfd), so no two tests can end up on one server.
    Start();
    setenv("DISPLAY", display_.c_str(), 1);
  }

  ~Xvfb() {
    if (connection_) xcb_disconnect(connection_);
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(runtime_dir_, ignored);
  }
  Xvfb(const Xvfb&) = delete;
  Xvfb& operator=(const Xvfb&) = delete;

  const std::string& display() const { return display_; }
  xcb_connection_t* connection() const { return connection_; }
  xcb_screen_t* screen() const { return xcb_setup_roots_iterator(xcb_get_setup(connection_)).data; }

  // A mapped top-level window at (0, 0) of the root visual. No window manager runs, so it is
  // viewable and unobscured as soon as the server has processed the requests.
  xcb_window_t CreateWindow(uint16_t width, uint16_t height) {
    const xcb_window_t window = xcb_generate_id(connection_);
    const uint32_t black = screen()->black_pixel;
    xcb_create_window(connection_, XCB_COPY_FROM_PARENT, window, screen()->root, 0, 0, width, height, 0,
                      XCB_WINDOW_CLASS_INPUT_OUTPUT, screen()->root_visual, XCB_CW_BACK_PIXEL, &black);
    xcb_map_window(connection_, window);
    Sync();
    return window;
  }

  // A mapped window of a depth-32 (ARGB) TrueColor visual, or 0 when the server has none.
  xcb_window_t CreateArgbWindow(uint16_t width, uint16_t height) {
    xcb_visualid_t visual = 0;
    for (auto d = xcb_screen_allowed_depths_iterator(screen()); d.rem && !visual; xcb_depth_next(&d))
      if (d.data->depth == 32)
        for (auto v = xcb_depth_visuals_iterator(d.data); v.rem && !visual; xcb_visualtype_next(&v))
          if (v.data->_class == XCB_VISUAL_CLASS_TRUE_COLOR) visual = v.data->visual_id;
    if (!visual) return 0;
    const xcb_colormap_t colormap = xcb_generate_id(connection_);
    xcb_create_colormap(connection_, XCB_COLORMAP_ALLOC_NONE, colormap, screen()->root, visual);
    const xcb_window_t window = xcb_generate_id(connection_);
    const uint32_t values[] = {0, 0, colormap};  // back pixel, border pixel, colormap (in mask order)
    xcb_create_window(connection_, 32, window, screen()->root, 0, 0, width, height, 0, XCB_WINDOW_CLASS_INPUT_OUTPUT,
                      visual, XCB_CW_BACK_PIXEL | XCB_CW_BORDER_PIXEL | XCB_CW_COLORMAP, values);
    xcb_map_window(connection_, window);
    Sync();
    return window;
  }

  void Resize(xcb_window_t window, uint32_t width, uint32_t height) {
    const uint32_t size[] = {width, height};
    xcb_configure_window(connection_, window, XCB_CONFIG_WINDOW_WIDTH | XCB_CONFIG_WINDOW_HEIGHT, size);
    Sync();
  }

  void Destroy(xcb_window_t window) {
    xcb_destroy_window(connection_, window);
    Sync();
  }

  // The window's pixels as 32-bit ZPixmap words: bytes B, G, R, X per texel (the server is
  // little-endian: Xvfb on x86).
  std::vector<uint8_t> Read(xcb_window_t window, uint16_t width, uint16_t height) {
    xcb_get_image_reply_t* reply = xcb_get_image_reply(
        connection_, xcb_get_image(connection_, XCB_IMAGE_FORMAT_Z_PIXMAP, window, 0, 0, width, height, ~0u),
        nullptr);
    if (!reply) throw std::runtime_error("xcb_get_image failed");
    const uint8_t* data = xcb_get_image_data(reply);
    std::vector<uint8_t> pixels(data, data + xcb_get_image_data_length(reply));
    free(reply);
    return pixels;
  }

  // A round trip: every request sent before has been processed.
  void Sync() { free(xcb_get_input_focus_reply(connection_, xcb_get_input_focus(connection_), nullptr)); }

 private:
  void Start() {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    const std::string write_fd = std::to_string(fds[1]);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      close(fds[0]);
      const int null = open("/dev/null", O_RDWR);
      dup2(null, 1);
      dup2(null, 2);
      std::vector<const char*> argv = {"Xvfb", "-displayfd", write_fd.c_str(), "-screen", "0", screen_.c_str(),
                                       "-nolisten", "tcp", "-noreset"};
      for (const std::string& a : extra_) argv.push_back(a.c_str());
      argv.push_back(nullptr);
      execvp("Xvfb", const_cast<char* const*>(argv.data()));
      _exit(127);
    }
    close(fds[1]);
    // The server writes its display number and a newline once it accepts connections.
    std::string number;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (number.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buffer[16];
      const ssize_t n = read(fds[0], buffer, sizeof buffer);
      if (n <= 0) break;  // the server exited
      number.append(buffer, size_t(n));
    }
    close(fds[0]);
    if (number.find('\n') == std::string::npos) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      throw std::runtime_error("Xvfb did not start (no display number on -displayfd)");
    }
    pid_ = pid;
    // Appended, not ":" + ...: GCC 12 warns falsely (-Wrestrict) on that operator+.
    std::string display = ":";
    display += std::to_string(std::atoi(number.c_str()));
    display_ = std::move(display);
    connection_ = xcb_connect(display_.c_str(), nullptr);
    if (xcb_connection_has_error(connection_)) throw std::runtime_error("cannot connect to the Xvfb it started");
  }

  std::string screen_;
  std::vector<std::string> extra_;
  std::string runtime_dir_;
  std::string display_;
  pid_t pid_ = -1;
  xcb_connection_t* connection_ = nullptr;
};

}  // namespace kiln_test
