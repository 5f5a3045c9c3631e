# Install and export rules, included from the top-level CMakeLists.txt when ADMIT_INSTALL is ON.
#
# Consumers then write
#     find_package(admit 0.1 CONFIG REQUIRED)
#     target_link_libraries(app PRIVATE admit::admit)
# or use pkg-config (`pkg-config --cflags --libs admit`).

include(CMakePackageConfigHelpers)

set(ADMIT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/admit"
    CACHE STRING "Where to install admit-config.cmake, relative to the prefix")
set(ADMIT_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    CACHE STRING "Where to install admit.pc, relative to the prefix")
mark_as_advanced(ADMIT_INSTALL_CMAKEDIR ADMIT_INSTALL_PKGCONFIGDIR)

# The library and its public headers (the FILE_SET declared in src/CMakeLists.txt).
install(TARGETS admit
  EXPORT admit-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT admit_development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT admit_runtime
          NAMELINK_COMPONENT admit_development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT admit_runtime
  FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT admit_development)

# The command-line tool installs itself (src/cli/CMakeLists.txt).

install(EXPORT admit-targets
  NAMESPACE admit::
  FILE admit-targets.cmake
  DESTINATION ${ADMIT_INSTALL_CMAKEDIR}
  COMPONENT admit_development)

# A static admit links yaml-cpp, fmt (and Boost's headers, build tree only) PRIVATE: they still
# appear as $<LINK_ONLY:...> in the exported link interface, so the config file finds them.
set(ADMIT_CONFIG_EXTRA_DEPENDENCIES "")
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/admit-config.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/install/admit-config.cmake
  INSTALL_DESTINATION ${ADMIT_INSTALL_CMAKEDIR})

write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/admit-config-version.cmake
  VERSION ${PROJECT_VERSION}
  # Before 1.0 a minor release may break the API: 0.1.x is compatible with 0.1.y only.
  COMPATIBILITY SameMinorVersion)

install(FILES
    ${PROJECT_BINARY_DIR}/cmake/install/admit-config.cmake
    ${PROJECT_BINARY_DIR}/admit-config-version.cmake
  DESTINATION ${ADMIT_INSTALL_CMAKEDIR}
  COMPONENT admit_development)

# pkg-config. The prefix is computed from the .pc file's own location, so the file stays right when
# the tree is installed with `cmake --install --prefix <elsewhere>` or moved.
file(RELATIVE_PATH ADMIT_PC_PREFIX_FROM_PCFILEDIR
  "/${ADMIT_INSTALL_PKGCONFIGDIR}" "/")
string(REGEX REPLACE "/$" "" ADMIT_PC_PREFIX_FROM_PCFILEDIR "${ADMIT_PC_PREFIX_FROM_PCFILEDIR}")
foreach(_admit_dir IN ITEMS LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_admit_dir}}")
    set(ADMIT_PC_${_admit_dir} "${CMAKE_INSTALL_${_admit_dir}}")
  else()
    set(ADMIT_PC_${_admit_dir} "\${prefix}/${CMAKE_INSTALL_${_admit_dir}}")
  endif()
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/admit.pc.in ${PROJECT_BINARY_DIR}/admit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/admit.pc
  DESTINATION ${ADMIT_INSTALL_PKGCONFIGDIR}
  COMPONENT admit_development)

# Build-tree export: `find_package(admit CONFIG)` with admit_DIR=<build dir> works without
# installing, and a project that pulls admit in with add_subdirectory or FetchContent can export its
# own targets that link admit::admit.
export(EXPORT admit-targets
  NAMESPACE admit::
  FILE ${PROJECT_BINARY_DIR}/admit-targets.cmake)
set(ADMIT_CONFIG_EXTRA_DEPENDENCIES "find_dependency(Boost 1.74)")
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/admit-config.cmake.in
  ${PROJECT_BINARY_DIR}/admit-config.cmake
  INSTALL_DESTINATION ${PROJECT_BINARY_DIR}
  INSTALL_PREFIX ${PROJECT_BINARY_DIR})
unset(ADMIT_CONFIG_EXTRA_DEPENDENCIES)
