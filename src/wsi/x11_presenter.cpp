#include "x11_presenter.h"

#include <cstdlib>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>
#include <xcb/shm.h>

namespace kiln::wsi {

// Errors of the requests below are taken with xcb_request_check: unchecked, they would land in
// the application's event queue, which is not Kiln's to fill.
static bool request_ok(xcb_connection_t* connection, xcb_void_cookie_t cookie) {
    xcb_generic_error_t* error = xcb_request_check(connection, cookie);
    std::free(error);
    return error == nullptr;
}

// Kiln's surfaces offer only VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR: in a depth-32 (ARGB) window the
// alpha byte would reach a compositor, so it is set to 0xff ("treated as 1.0").
static void make_opaque(std::byte* texels, size_t count) {
    for (size_t i = 0; i < count; ++i)
        texels[i * 4 + 3] = std::byte{0xff};
}

static bool shm_disabled_by_environment() {
    const char* value = std::getenv("KILN_WSI_NO_SHM");
    return value && *value && std::strcmp(value, "0") != 0;
}

Outcome X11Presenter::create(const X11Window& window, uint32_t width, uint32_t height,
                             std::unique_ptr<X11Presenter>* out) {
    std::unique_ptr<X11Presenter> presenter(new (std::nothrow) X11Presenter(window, width, height));
    if (!presenter)
        return Outcome::OutOfHostMemory;
    xcb_connection_t* c = presenter->connection_;
    if (xcb_connection_has_error(c))
        return Outcome::Lost;
    const xcb_gcontext_t gc = xcb_generate_id(c);
    if (!request_ok(c, xcb_create_gc_checked(c, gc, presenter->window_, 0, nullptr)))
        return Outcome::Lost;  // BadDrawable
    presenter->gc_ = gc;
    if (!shm_disabled_by_environment())
        presenter->try_attach_shm();
    *out = std::move(presenter);
    return Outcome::Ok;
}

// MIT-SHM 1.2 takes a file descriptor: a memfd shared with the server, no SysV segment to leak.
// A server without it, or one that cannot receive the descriptor (a remote connection), leaves
// the presenter on the plain path.
void X11Presenter::try_attach_shm() {
    const xcb_query_extension_reply_t* extension = xcb_get_extension_data(connection_, &xcb_shm_id);
    if (!extension || !extension->present)
        return;
    xcb_shm_query_version_reply_t* version =
        xcb_shm_query_version_reply(connection_, xcb_shm_query_version(connection_), nullptr);
    if (!version)
        return;
    const bool has_fd = version->major_version > 1 || (version->major_version == 1 && version->minor_version >= 2);
    std::free(version);
    if (!has_fd)
        return;
    const size_t size = size_t(width_) * height_ * 4;
    const int fd = memfd_create("kiln-wsi", MFD_CLOEXEC);
    if (fd < 0)
        return;
    if (ftruncate(fd, off_t(size)) != 0) {
        close(fd);
        return;
    }
    void* map = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        close(fd);
        return;
    }
    const uint32_t segment = xcb_generate_id(connection_);
    // xcb closes `fd` once sent.
    if (!request_ok(connection_, xcb_shm_attach_fd_checked(connection_, segment, fd, /*read_only=*/1))) {
        munmap(map, size);
        return;
    }
    shm_segment_ = segment;
    shm_map_ = map;
    shm_size_ = size;
}

X11Presenter::~X11Presenter() {
    if (xcb_connection_has_error(connection_) == 0) {
        if (shm_map_)
            request_ok(connection_, xcb_shm_detach_checked(connection_, shm_segment_));
        if (gc_)
            request_ok(connection_, xcb_free_gc_checked(connection_, gc_));
    }
    if (shm_map_)
        munmap(shm_map_, shm_size_);
}

Outcome X11Presenter::present(const std::byte* pixels, uint64_t row_pitch, uint8_t depth) {
    if (xcb_connection_has_error(connection_))
        return Outcome::Lost;
    return shm_map_ ? present_shm(pixels, row_pitch, depth) : present_plain(pixels, row_pitch, depth);
}

Outcome X11Presenter::present_shm(const std::byte* pixels, uint64_t row_pitch, uint8_t depth) {
    const size_t row_bytes = size_t(width_) * 4;
    auto* dst = static_cast<std::byte*>(shm_map_);
    if (row_pitch == row_bytes)
        std::memcpy(dst, pixels, row_bytes * height_);
    else
        for (uint32_t y = 0; y < height_; ++y)
            std::memcpy(dst + y * row_bytes, pixels + y * row_pitch, row_bytes);
    if (depth == 32)
        make_opaque(dst, size_t(width_) * height_);
    // Checked: the reply means the server has read the segment, so the next frame may overwrite it.
    const xcb_void_cookie_t cookie = xcb_shm_put_image_checked(
        connection_, window_, gc_, uint16_t(width_), uint16_t(height_), 0, 0, uint16_t(width_), uint16_t(height_), 0,
        0, depth, XCB_IMAGE_FORMAT_Z_PIXMAP, /*send_event=*/0, shm_segment_, 0);
    return request_ok(connection_, cookie) ? Outcome::Ok : Outcome::Lost;
}

Outcome X11Presenter::present_plain(const std::byte* pixels, uint64_t row_pitch, uint8_t depth) {
    const size_t row_bytes = size_t(width_) * 4;
    // xcb_get_maximum_request_length counts 4-byte units (BIG-REQUESTS included); a PutImage
    // request has a 24-byte header before its rows.
    const uint64_t max_bytes = uint64_t(xcb_get_maximum_request_length(connection_)) * 4;
    const uint64_t rows_per_request = max_bytes > 24 ? (max_bytes - 24) / row_bytes : 0;
    if (rows_per_request == 0)
        return Outcome::Lost;  // a row wider than any request (only without BIG-REQUESTS, > 65535 texels)
    std::vector<std::byte> packed;
    std::vector<xcb_void_cookie_t> cookies;
    try {
        if (row_pitch != row_bytes || depth == 32)
            packed.resize(row_bytes * height_);
        cookies.reserve(height_ / rows_per_request + 1);
    } catch (const std::bad_alloc&) {
        return Outcome::OutOfHostMemory;
    }
    const std::byte* source = pixels;
    if (!packed.empty()) {
        for (uint32_t y = 0; y < height_; ++y)
            std::memcpy(packed.data() + y * row_bytes, pixels + y * row_pitch, row_bytes);
        if (depth == 32)
            make_opaque(packed.data(), size_t(width_) * height_);
        source = packed.data();
    }
    for (uint32_t y = 0; y < height_; y += uint32_t(rows_per_request)) {
        const uint32_t rows = uint32_t(std::min<uint64_t>(rows_per_request, height_ - y));
        cookies.push_back(xcb_put_image_checked(connection_, XCB_IMAGE_FORMAT_Z_PIXMAP, window_, gc_,
                                                uint16_t(width_), uint16_t(rows), 0, int16_t(y), 0, depth,
                                                uint32_t(rows * row_bytes),
                                                reinterpret_cast<const uint8_t*>(source + y * row_bytes)));
    }
    bool ok = true;
    for (xcb_void_cookie_t cookie : cookies)
        ok = request_ok(connection_, cookie) && ok;  // check them all: each error must be taken
    return ok ? Outcome::Ok : Outcome::Lost;
}

}  // namespace kiln::wsi
