# dac_dependency(): declares one private dependency of libdac in a single line.
#
# Every dependency of the library is private: no public header includes its headers, the
# shared libdac links it PRIVATE (a program linking libdac.so needs only -ldac), and only
# the static libdac.a hands it on to its consumers — as $<LINK_ONLY:...> in the CMake
# package and in Requires.private / Libs.private of dac.pc. One call records all three:
#
#   dac_dependency(PKG <prefix> <pkg-config module>...)
#       found with pkg-config (pkg_check_modules(<prefix> ... IMPORTED_TARGET)); links
#       PkgConfig::<prefix>; the modules go to Requires.private.
#   dac_dependency(PACKAGE <Name> [COMPONENTS <c>...] TARGET <imported target>
#                  PC_LIBS <flags>...)
#       found with find_package(<Name>); links <target>; the flags go to Libs.private.
#   dac_dependency(LIB <name>)
#       a system library linked by name (m, dl); -l<name> goes to Libs.private.
#
# With OPTIONAL first, a dependency that is not found is left out and the library is
# built without it; when found, its sources see DAC_HAVE_<PREFIX or NAME, upper case>=1.
#
# The calls accumulate, for the targets defined after them:
#   DAC_PRIVATE_LINK          what dac_objects, libdac.so and libdac.a link PRIVATE
#   DAC_PRIVATE_DEFINITIONS   DAC_HAVE_* of the optional dependencies found
#   DAC_PC_REQUIRES_PRIVATE   DAC_PC_LIBS_PRIVATE   (dac.pc)
#   DAC_CONFIG_FIND_DEPENDENCIES  lines of dacConfig.cmake that find them again for the
#                                 consumers of dac::dac_static
function(dac_dependency)
  set(optional FALSE)
  if(ARGV0 STREQUAL "OPTIONAL")
    set(optional TRUE)
    list(REMOVE_AT ARGV 0)
  endif()
  list(POP_FRONT ARGV kind)
  set(required REQUIRED)
  if(optional)
    set(required "")
  endif()

  if(kind STREQUAL "PKG")
    list(POP_FRONT ARGV prefix)
    pkg_check_modules(${prefix} ${required} IMPORTED_TARGET ${ARGV})
    set(found ${${prefix}_FOUND})
    set(name ${prefix})
    set(target PkgConfig::${prefix})
    list(JOIN ARGV " " modules)
    set(pc_requires ${modules})
    set(pc_libs "")
    set(find_line "_dac_find_pkg(${prefix} ${modules})")
  elseif(kind STREQUAL "PACKAGE")
    cmake_parse_arguments(DEP "" "TARGET" "COMPONENTS;PC_LIBS" ${ARGV})
    list(POP_FRONT DEP_UNPARSED_ARGUMENTS name)
    if(NOT name OR NOT DEP_TARGET)
      message(FATAL_ERROR "dac_dependency(PACKAGE <Name> TARGET <target> ...): name and TARGET are required")
    endif()
    set(components "")
    if(DEP_COMPONENTS)
      set(components COMPONENTS ${DEP_COMPONENTS})
    endif()
    find_package(${name} ${required} ${components})
    set(found ${${name}_FOUND})
    set(target ${DEP_TARGET})
    set(pc_requires "")
    list(JOIN DEP_PC_LIBS " " pc_libs)
    list(JOIN components " " components)
    string(STRIP "_dac_find_package(${name} ${components}" find_line)
    string(APPEND find_line ")")
  elseif(kind STREQUAL "LIB")
    list(POP_FRONT ARGV name)
    set(found TRUE)
    set(target ${name})
    set(pc_requires "")
    set(pc_libs "-l${name}")
    set(find_line "")
  else()
    message(FATAL_ERROR "dac_dependency: expected PKG, PACKAGE or LIB, got '${kind}'")
  endif()

  if(NOT found)
    message(STATUS "dac: optional dependency ${name} not found; building without it")
    return()
  endif()
  if(optional)
    string(TOUPPER ${name} upper)
    list(APPEND DAC_PRIVATE_DEFINITIONS DAC_HAVE_${upper}=1)
  endif()
  list(APPEND DAC_PRIVATE_LINK ${target})
  string(STRIP "${DAC_PC_REQUIRES_PRIVATE} ${pc_requires}" DAC_PC_REQUIRES_PRIVATE)
  string(STRIP "${DAC_PC_LIBS_PRIVATE} ${pc_libs}" DAC_PC_LIBS_PRIVATE)
  if(find_line)
    string(APPEND DAC_CONFIG_FIND_DEPENDENCIES "${find_line}\n")
  endif()
  foreach(v DAC_PRIVATE_LINK DAC_PRIVATE_DEFINITIONS DAC_PC_REQUIRES_PRIVATE
            DAC_PC_LIBS_PRIVATE DAC_CONFIG_FIND_DEPENDENCIES)
    set(${v} "${${v}}" PARENT_SCOPE)
  endforeach()
endfunction()
