# Warnings and sanitizers, shared by every Kiln target through kiln_options.
option(KILN_WERROR "Treat warnings as errors" OFF)
set(KILN_SANITIZE "" CACHE STRING "Sanitizers: '', 'address,undefined' or 'thread'")

add_library(kiln_options INTERFACE)
target_compile_options(kiln_options INTERFACE -Wall -Wextra -Wno-unused-parameter
                       $<$<BOOL:${KILN_WERROR}>:-Werror>)
if(KILN_SANITIZE)
  target_compile_options(kiln_options INTERFACE -fsanitize=${KILN_SANITIZE} -fno-omit-frame-pointer
                         -fno-sanitize-recover=all)
  target_link_options(kiln_options INTERFACE -fsanitize=${KILN_SANITIZE})
endif()
