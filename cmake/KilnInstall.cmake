# The installed layout (the public contract in DESIGN.md). `cmake --install build --prefix P` gives
#
#   P/lib/libvulkan_kiln.so, P/share/vulkan/icd.d/kiln_icd.json  (icd/CMakeLists.txt)
#   P/include/kiln/*.h                                           (below: whatever include/kiln holds)
#   P/lib/cmake/Kiln/KilnConfig.cmake, KilnConfigVersion.cmake,
#   KilnTargets.cmake                                            (below: target Kiln::win32)
#   P/lib/pkgconfig/kiln-win32.pc                                (below)
#
# Included at the end of the top-level CMakeLists.txt, so every target of src/ exists here.
#
# Kiln::win32 is <kiln/win32.h> plus libkiln_win32.so. Until the library exists, KilnConfig.cmake
# makes Kiln::win32 an IMPORTED INTERFACE target over Kiln::headers (the include directory). The
# issue that adds the library needs only, in src/win32/CMakeLists.txt:
#
#   add_library(kiln_win32 SHARED ...)                     # target name kiln_win32: the .pc Libs use it
#   set_target_properties(kiln_win32 PROPERTIES EXPORT_NAME win32)
#   target_link_libraries(kiln_win32 PUBLIC kiln_headers)  # <kiln/...> for it and its users
#   install(TARGETS kiln_win32 EXPORT KilnTargets LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
#
# The export then defines Kiln::win32 itself (KilnConfig.cmake's fallback steps aside), and the
# .pc file gains `Libs: -L${libdir} -lkiln_win32`. If the library's public interface needs Vulkan
# headers, add `find_dependency(Vulkan)` to KilnConfig.cmake.in and `Requires: vulkan` to the .pc.
include(CMakePackageConfigHelpers)

set(KILN_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/Kiln)
set(KILN_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
set(KILN_INSTALL_ICD_MANIFEST ${CMAKE_INSTALL_DATADIR}/vulkan/icd.d/kiln_icd.json)

# --- Public headers -------------------------------------------------------------------------------
# include/kiln may not exist yet (git keeps no empty folder): OPTIONAL. P/include/kiln is created
# anyway, because CMake rejects an imported target whose include directory does not exist.
install(DIRECTORY DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kiln)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/kiln DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        OPTIONAL FILES_MATCHING PATTERN "*.h")

# The include directory as a target: in the build tree (kiln_headers / Kiln::headers) and installed
# (Kiln::headers, through the KilnTargets export set).
add_library(kiln_headers INTERFACE)
add_library(Kiln::headers ALIAS kiln_headers)
# include/kiln itself is on the path too: it holds the <windows.h> compatibility header that
# <vulkan/vulkan.h> includes when VK_USE_PLATFORM_WIN32_KHR is defined.
target_include_directories(kiln_headers INTERFACE
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include/kiln>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/kiln>)
set_target_properties(kiln_headers PROPERTIES EXPORT_NAME headers)
install(TARGETS kiln_headers EXPORT KilnTargets)

# --- CMake package: find_package(Kiln CONFIG) ---------------------------------------------------------
install(EXPORT KilnTargets NAMESPACE Kiln:: DESTINATION ${KILN_INSTALL_CMAKEDIR})
configure_package_config_file(
    ${CMAKE_CURRENT_LIST_DIR}/KilnConfig.cmake.in ${PROJECT_BINARY_DIR}/KilnConfig.cmake
    INSTALL_DESTINATION ${KILN_INSTALL_CMAKEDIR}
    PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR KILN_INSTALL_ICD_MANIFEST)
# 0.x: a new minor version may break the interface.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/KilnConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/KilnConfig.cmake ${PROJECT_BINARY_DIR}/KilnConfigVersion.cmake
        DESTINATION ${KILN_INSTALL_CMAKEDIR})

# --- pkg-config: kiln-win32.pc -----------------------------------------------------------------------
# Written at install time, like the ICD manifest, so that `cmake --install --prefix P` (and DESTDIR)
# give paths in P rather than in the configure-time CMAKE_INSTALL_PREFIX. The pkg-config variables
# (${prefix}, ${libdir}) pass through the install script in bracket arguments, unexpanded.
foreach(_kiln_dir INCLUDEDIR LIBDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_kiln_dir}}")
    set(KILN_PC_${_kiln_dir} "${CMAKE_INSTALL_${_kiln_dir}}")
  else()
    set(KILN_PC_${_kiln_dir} "\${prefix}/${CMAKE_INSTALL_${_kiln_dir}}")
  endif()
endforeach()
set(KILN_PC_LIBS "")
if(TARGET kiln_win32)
  set(KILN_PC_LIBS "-L\${libdir} -l$<TARGET_LINKER_FILE_BASE_NAME:kiln_win32>")
endif()
install(CODE "
  set(KILN_VERSION \"${PROJECT_VERSION}\")
  set(KILN_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(KILN_PC_INCLUDEDIR [=[${KILN_PC_INCLUDEDIR}]=])
  set(KILN_PC_LIBDIR [=[${KILN_PC_LIBDIR}]=])
  set(KILN_PC_LIBS [=[${KILN_PC_LIBS}]=])
  set(_kiln_pc \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${KILN_INSTALL_PKGCONFIGDIR}/kiln-win32.pc\")
  message(STATUS \"Installing: \${_kiln_pc}\")
  configure_file(\"${CMAKE_CURRENT_LIST_DIR}/kiln-win32.pc.in\" \"\${_kiln_pc}\" @ONLY)
")
