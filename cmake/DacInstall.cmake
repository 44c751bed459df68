# Install rules of libdac and the dac tool (included by CMakeLists.txt after the targets).
#
#   <prefix>/bin/dac
#   <prefix>/<libdir>/libdac.so.<version>, libdac.so.<soversion>, libdac.so, libdac.a
#   <prefix>/include/dac/*.h             the public headers and the generated version.h
#   <prefix>/<libdir>/pkgconfig/dac.pc
#   <prefix>/<libdir>/cmake/dac/         dacConfig.cmake, dacConfigVersion.cmake, targets
#
# Everything is relative to the prefix chosen at install time (`cmake --install build
# --prefix P`), dac.pc included: it is written when installing, not when configuring.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(DAC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/dac)

install(TARGETS dac_shared dac_static EXPORT dacTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS dac_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/dac ${CMAKE_BINARY_DIR}/generated/include/dac
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

# ---- CMake package
install(EXPORT dacTargets NAMESPACE dac:: DESTINATION ${DAC_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/dacConfig.cmake.in
  ${CMAKE_BINARY_DIR}/dacConfig.cmake INSTALL_DESTINATION ${DAC_CMAKE_DIR})
# Same rule as the soname: 0.x releases break compatibility at every minor version.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(dac_compatibility SameMinorVersion)
else()
  set(dac_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${CMAKE_BINARY_DIR}/dacConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${dac_compatibility})
install(FILES ${CMAKE_BINARY_DIR}/dacConfig.cmake ${CMAKE_BINARY_DIR}/dacConfigVersion.cmake
  DESTINATION ${DAC_CMAKE_DIR})

# ---- pkg-config: everything is substituted now except the prefix, which the install
# step fills in (DAC_PC_PREFIX is set to its own placeholder so it survives this pass).
set(DAC_PC_PREFIX "@DAC_PC_PREFIX@")
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(DAC_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(DAC_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
configure_file(${CMAKE_SOURCE_DIR}/cmake/dac.pc.in ${CMAKE_BINARY_DIR}/dac.pc.in @ONLY)
install(CODE "
  set(DAC_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file([[${CMAKE_BINARY_DIR}/dac.pc.in]] [[${CMAKE_BINARY_DIR}/dac.pc]] @ONLY)")
install(FILES ${CMAKE_BINARY_DIR}/dac.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
