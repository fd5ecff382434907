#include "xlib.h"

#include <X11/Xlib-xcb.h>

namespace kiln::wsi {

xcb_connection_t* xcb_connection_of_display(void* display) {
    return XGetXCBConnection(static_cast<Display*>(display));
}

}  // namespace kiln::wsi
